// The Adaptive Card Lease posts to a Teams channel for one notification, wrapped in the message
// an incoming webhook takes (Microsoft Learn, "Create and send messages", connectors-using:
// `{type: "message", attachments: [{contentType: "application/vnd.microsoft.card.adaptive",
// content: <AdaptiveCard>}]}`). Card schema 1.4: what Teams renders on desktop, web and mobile.
import type { Notification } from '../provider.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_VERSION = '1.4';

/**
 * Text written by people (reason, names, a workflow's message built from them) shown as itself:
 * TextBlock and FactSet text is Adaptive Card markdown, so every markdown character is
 * backslash-escaped, `{{...}}` (the card's DATE/TIME functions) is broken up, and line breaks
 * become spaces (a line starting with `-` or `1.` would be a list).
 */
export function escapeCardText(text: string): string {
  return text
    .replace(/[\r\n\t\u2028\u2029]+/g, ' ')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[\\`*_[\]()#+\-.!<>~|&]/g, (c) => `\\${c}`)
    .replace(/\{/g, '{\u200b');
}

export interface CardFacts {
  notification: Notification;
  /** The request's page in Lease's web app; no button without it. */
  link: string | undefined;
}

/** The webhook message carrying the card. */
export function teamsMessage({ notification, link }: CardFacts): Record<string, unknown> {
  const { request } = notification;
  const facts = [
    { title: 'Who', value: request.requester },
    { title: 'Role', value: request.role },
    { title: 'Provider', value: request.provider },
    ...(request.duration === undefined ? [] : [{ title: 'Duration', value: request.duration }]),
    { title: 'Reason', value: request.reason },
    { title: 'Status', value: request.status },
  ].map((f) => ({ title: f.title, value: escapeCardText(f.value) }));
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body: [
      { type: 'TextBlock', text: `Access request ${escapeCardText(request.id)}`, weight: 'Bolder', size: 'Medium', wrap: true },
      ...(notification.message === '' ? [] : [{ type: 'TextBlock', text: escapeCardText(notification.message), wrap: true }]),
      { type: 'FactSet', facts },
    ],
    ...(link === undefined ? {} : { actions: [{ type: 'Action.OpenUrl', title: 'Open the request', url: link }] }),
  };
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content }] };
}
