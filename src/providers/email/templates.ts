// The e-mails, as text and HTML. Everything that comes from people (the reason, names, the
// workflow's message) is escaped in the HTML part and stripped of control characters in the
// subject; links are the server's own (https or loopback), never taken from user text.
import type { Notification } from '../provider.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to place in HTML element content or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/**
 * One line for a header: control characters (CR/LF would inject headers) and bidirectional
 * overrides (which reorder what the reader sees) become spaces; at most 200 characters.
 */
export function headerText(value: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** The mail for a notification: an approval invitation when it carries a link, else the message. */
export function renderMail(notification: Notification): RenderedMail {
  const { request, approval } = notification;
  const facts: [string, string][] = [
    ['Request', request.id],
    ['Requester', request.requester],
    ['Role', request.role],
    ['Provider', request.provider],
    ['Reason', request.reason],
  ];
  if (approval) {
    const subject = headerText(`Approval needed: ${request.requester} asks for ${request.role} on ${request.provider}`);
    const text = [
      notification.message,
      '',
      ...facts.map(([k, v]) => `${k}: ${v}`),
      '',
      'To approve or deny, open this link, sign in to Lease and confirm on the page:',
      approval.url,
      '',
      `The link is yours alone (it works only for the address this mail was sent to), works once, and expires at ${approval.expires_at}.`,
      'Opening it decides nothing by itself.',
    ].join('\n');
    const html = page(
      subject,
      `${paragraph(notification.message)}${table(facts)}
<p><a href="${escapeHtml(approval.url)}">Review and decide</a></p>
<p>The link is yours alone (it works only for the address this mail was sent to), works once, and expires at ${escapeHtml(approval.expires_at)}. Opening it decides nothing by itself: the page asks you to sign in and confirm.</p>`,
    );
    return { subject, text, html };
  }
  const subject = headerText(notification.subject ?? `Lease: ${request.role} on ${request.provider} (${request.status})`);
  const text = [notification.message, '', ...facts.map(([k, v]) => `${k}: ${v}`), `Status: ${request.status}`].join('\n');
  const html = page(subject, `${paragraph(notification.message)}${table([...facts, ['Status', request.status]])}`);
  return { subject, text, html };
}

function paragraph(text: string): string {
  return text === '' ? '' : `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>\n`;
}

function table(rows: [string, string][]): string {
  // <bdi>: a right-to-left override in someone's text cannot reorder the text around it.
  return `<table>${rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td><bdi>${escapeHtml(v)}</bdi></td></tr>`).join('')}</table>\n`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
${body}
</body></html>
`;
}
