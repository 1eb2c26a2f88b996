// The approvals inbox: requests the signed-in person may decide now, each with its n-of-m
// progress and stage, approve/deny with a comment. The server decides who may decide (the
// session's identity, never anything the page sends); this page only shows and asks.
import { api, ApiError, pagePath, query } from './api.js';
import { durationMs, field, formatDuration, h, statusBadge, uid, userText, when } from './dom.js';
import { approvalProgress, poll, requesterName } from './access.js';

export async function approvalsScreen(view, app) {
  const list = h('div');
  const note = h('p', { class: 'hint' });
  view.append(h('h1', {}, 'Approvals'), note, list);
  let signature = '';
  const load = async () => {
    const items = await inbox(app);
    const next = JSON.stringify(items.map((r) => [r.id, r.status, r.updated_at, r.approvals?.decisions?.length]));
    if (next === signature) return;
    signature = next;
    const focusKey = document.activeElement?.dataset?.focusKey;
    list.replaceChildren(items.length
      ? h('ul', { class: 'cards' }, items.map((r) => approvalCard(r, app, load)))
      : h('p', { class: 'empty' }, 'Nothing is waiting for your decision.'));
    if (focusKey) list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  };
  note.textContent = app.features.approvalsInbox
    ? 'Requests waiting for your decision.'
    : app.session.admin
      ? 'Requests waiting for an approval (as an administrator, you may decide on any but your own).'
      : 'This server does not list what you may approve; open a request from its notification to decide on it.';
  await load();
  return poll(load, () => true);
}

/** What the caller may decide now: GET /api/v1/approvals, or (older servers) every pending request for administrators. */
async function inbox(app) {
  if (app.features.approvalsInbox) {
    // GET /api/v1/approvals answers a RequestList: { requests: Request[] }.
    const { requests } = await api('GET', 'api/v1/approvals');
    return requests;
  }
  if (!app.session.admin) return [];
  const { requests } = await api('GET', `api/v1/requests${query({ all: 'true', status: 'pending', limit: 200 })}`);
  const me = app.session.identity;
  return requests.filter((r) => !(r.requester.id === me.id && r.requester.provider === me.provider));
}

function approvalCard(r, app, reload) {
  return h('li', { class: 'card request', dataset: { id: r.id, status: r.status } },
    h('div', { class: 'card-head' },
      h('a', { href: pagePath(`requests/${encodeURIComponent(r.id)}`) }, h('strong', {}, r.role), ' on ', r.provider),
      statusBadge(r.status),
      r.break_glass ? h('span', { class: 'badge break-glass' }, 'Break-glass') : undefined),
    h('p', { class: 'meta' }, 'By ', userText(requesterName(r)), ` · ${formatDuration(durationMs(r.duration))} · asked `, when(r.created_at)),
    h('p', { class: 'reason' }, userText(r.reason)),
    r.approvals ? approvalProgress(r.approvals) : undefined,
    r.approvals?.timeout_at ? h('p', { class: 'meta' }, 'Times out ', when(r.approvals.timeout_at)) : undefined,
    decisionForm(r, app, reload));
}

/** Approve / deny with a comment, as the signed-in identity (channel web is the server's to record). */
export function decisionForm(r, app, reload) {
  const comment = h('input', { name: 'comment', maxlength: '2000', autocomplete: 'off', dataset: { focusKey: `comment-${r.id}` } });
  const errors = h('div', { class: 'error', role: 'alert' });
  const decide = (approved) => async (event) => {
    const buttons = form.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    errors.replaceChildren();
    try {
      const text = comment.value.trim();
      await api('POST', `api/v1/requests/${encodeURIComponent(r.id)}/${approved ? 'approve' : 'deny'}`, text ? { reason: text } : {});
      app.toast(`${approved ? 'Approved' : 'Denied'}: ${r.role} on ${r.provider} for ${r.requester.name || r.requester.id}.`);
      await reload();
    } catch (err) {
      for (const b of buttons) b.disabled = false;
      if (err instanceof ApiError && err.status === 401) return app.signedOut();
      errors.append(err.message);
      event.target.focus();
    }
  };
  const form = h('form', { class: 'decision', 'aria-label': `Decide on ${r.role} on ${r.provider}` },
    errors,
    field('Comment', comment, 'Optional; the requester and the audit log see it.'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'approve', dataset: { focusKey: `approve-${r.id}`, action: 'approve' }, onclick: decide(true) }, 'Approve'),
      h('button', { type: 'button', class: 'danger', dataset: { focusKey: `deny-${r.id}`, action: 'deny' }, onclick: decide(false) }, 'Deny')));
  form.addEventListener('submit', (event) => event.preventDefault());
  return form;
}

/** The approvals of one request: progress, each stage, each decision. Shown when the server reports them. */
export function approvalsPanel(approvals) {
  const id = uid('approvals');
  const { stages, decisions } = approvals;
  return h('section', { class: 'card approvals', 'aria-labelledby': id },
    h('h2', { id }, 'Approvals'),
    approvalProgress(approvals),
    stages.length > 0
      ? h('ol', { class: 'stages' }, stages.map((stage, i) => h('li', {
          dataset: { stage: String(i), approved: String(stage.approved_by.length), required: String(stage.required), done: String(stage.approved_by.length >= stage.required) },
          'aria-current': i === approvals.stage ? 'step' : undefined,
        },
          h('strong', {}, `Stage ${i + 1}`), stage.name ? [' (', userText(stage.name), ')'] : '', i === approvals.stage ? ' · awaiting approval' : '',
          `: ${Math.min(stage.approved_by.length, stage.required)} of ${stage.required} from `, userText(describeApprovers(stage.approvers)),
          stage.approved_by.length ? [' · approved by ', userText(stage.approved_by.join(', '))] : '')))
      : undefined,
    approvals.timeout_at ? h('p', { class: 'meta' }, 'Times out ', when(approvals.timeout_at)) : undefined,
    decisions.length > 0
      ? h('ul', { class: 'decisions' }, decisions.map((d) => h('li', { dataset: { approved: String(Boolean(d.approved)) } },
          h('strong', {}, d.approved ? 'Approved' : 'Denied'), ' by ', userText(d.approver), ` (${d.channel}) `, when(d.at),
          d.reason ? [': ', userText(d.reason)] : '')))
      : h('p', { class: 'empty' }, 'No decision yet.'));
}

/** A stage's approvers ({ users, groups }, each `<identity provider>:<name>`) as text. */
function describeApprovers({ users, groups }) {
  return [
    users.length ? `users ${users.join(', ')}` : '',
    groups.length ? `groups ${groups.join(', ')}` : '',
  ].filter(Boolean).join('; ') || 'administrators';
}
