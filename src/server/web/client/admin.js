// Administrators' screens: everyone's requests, the audit log (filters, export, chain
// verification) and break-glass reviews. The API refuses them to anyone else (403); the app
// only hides the links.
import { api, ApiError, href, pagePath, query } from './api.js';
import { field, h, statusBadge, uid, userText, when } from './dom.js';
import { poll, requestCard } from './access.js';

const STATUSES = ['pending', 'granting', 'active', 'revoking', 'revoked', 'denied', 'failed', 'expired', 'extended'];

export async function adminRequestsScreen(view, app) {
  const status = h('select', { name: 'status' }, h('option', { value: '' }, 'Any status'), STATUSES.map((s) => h('option', { value: s }, s)));
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter requests' }, field('Status', status), h('button', { type: 'submit' }, 'Show'));
  const list = h('div');
  view.append(h('h1', {}, 'All requests'), filters, list);
  let signature = '';
  const load = async () => {
    const { requests } = await api('GET', `api/v1/requests${query({ all: 'true', status: status.value, limit: 200 })}`);
    const next = JSON.stringify(requests.map((r) => [r.id, r.status, r.updated_at]));
    if (next === signature) return;
    signature = next;
    list.replaceChildren(
      h('p', { class: 'hint' }, `${requests.length} request${requests.length === 1 ? '' : 's'}${requests.length === 200 ? ' (the newest 200)' : ''}.`),
      requests.length ? h('ul', { class: 'cards' }, requests.map((r) => requestCard(r, app, load, { showRequester: true }))) : h('p', { class: 'empty' }, 'No request.'));
  };
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    signature = '';
    load().catch((err) => app.showError(view, err));
  });
  await load();
  return poll(load, () => false);
}

// ---- audit log --------------------------------------------------------------------------------

const PAGE = 100;

export async function auditScreen(view, app) {
  const inputs = {
    subject: h('input', { name: 'subject', autocomplete: 'off' }),
    actor: h('input', { name: 'actor', autocomplete: 'off' }),
    action: h('input', { name: 'action', autocomplete: 'off', list: 'audit-actions' }),
    since: h('input', { name: 'since', type: 'datetime-local' }),
    until: h('input', { name: 'until', type: 'datetime-local' }),
  };
  const actions = h('datalist', { id: 'audit-actions' },
    ['request.created', 'request.denied', 'request.approved', 'request.rejected', 'request.revoke_requested', 'request.revoked', 'request.break_glass', 'review.closed', 'lease.extended', 'lease.granting', 'lease.granted', 'lease.revoking', 'lease.revoked', 'login.succeeded', 'login.failed', 'server.started']
      .map((a) => h('option', { value: a })));
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Filter the audit log' },
    field('Subject (request id)', inputs.subject),
    field('Actor', inputs.actor, 'provider:user, or lease'),
    field('Action', inputs.action), actions,
    field('From', inputs.since),
    field('To', inputs.until),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply filters'), h('button', { type: 'reset', class: 'secondary' }, 'Clear')));
  const exportCsv = h('a', { class: 'button secondary', download: '', id: 'export-csv' }, 'Export CSV');
  const exportJson = h('a', { class: 'button secondary', download: '', id: 'export-json' }, 'Export JSON');
  const verifyResult = h('p', { class: 'verify-result', role: 'status', id: 'verify-result' });
  const verify = h('button', { type: 'button', id: 'verify' }, 'Verify the chain');
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Audit entries' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  const summary = h('p', { class: 'hint', role: 'status' });
  view.append(
    h('h1', {}, 'Audit log'),
    form,
    h('div', { class: 'toolbar' }, app.features.auditExport ? [exportCsv, exportJson] : undefined, verify),
    verifyResult,
    summary,
    table,
    more);

  const filters = () => {
    const value = (el) => el.value.trim();
    const time = (el) => (el.value ? new Date(el.value).toISOString() : '');
    return { subject: value(inputs.subject), actor: value(inputs.actor), action: value(inputs.action), since: time(inputs.since), until: time(inputs.until) };
  };
  let entries = [];
  const tbody = h('tbody');
  const load = async (append) => {
    const after = append && entries.length ? entries[entries.length - 1].seq : undefined;
    const page = await api('GET', `api/v1/audit${query({ ...filters(), after, limit: PAGE })}`);
    entries = append ? [...entries, ...page.entries] : page.entries;
    if (!append) tbody.replaceChildren();
    tbody.append(...page.entries.map(auditRow));
    if (!append) {
      table.replaceChildren(entries.length
        ? h('table', { class: 'audit' }, h('caption', { class: 'sr-only' }, 'Audit entries, oldest first'),
            h('thead', {}, h('tr', {}, ['Seq', 'Time', 'Actor', 'Action', 'Subject', 'Data'].map((c) => h('th', { scope: 'col' }, c)))), tbody)
        : h('p', { class: 'empty' }, 'No entry matches.'));
    }
    more.hidden = page.entries.length < PAGE;
    summary.textContent = `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} shown${more.hidden ? '' : ' (more below)'}.`;
    const q = query(filters());
    exportCsv.href = href(`api/v1/audit/export${q}${q ? '&' : '?'}format=csv`);
    exportJson.href = href(`api/v1/audit/export${q}${q ? '&' : '?'}format=json`);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load(false).catch((err) => app.showError(view, err));
  });
  form.addEventListener('reset', () => setTimeout(() => load(false).catch((err) => app.showError(view, err))));
  more.addEventListener('click', () => load(true).catch((err) => app.showError(view, err)));
  verify.addEventListener('click', async () => {
    verify.disabled = true;
    verifyResult.className = 'verify-result';
    verifyResult.textContent = 'Verifying…';
    try {
      const result = await api('GET', 'api/v1/audit/verify');
      verifyResult.classList.add(result.ok ? 'ok' : 'broken');
      verifyResult.dataset.ok = String(result.ok);
      verifyResult.textContent = result.ok
        ? `The chain is intact: ${result.count} entries verified.`
        : `The chain is broken at entry ${result.broken_at}: ${result.message ?? 'its hash does not match'}.`;
    } catch (err) {
      verifyResult.textContent = err.message;
    }
    verify.disabled = false;
  });
  await load(false);
  return undefined;
}

function auditRow(entry) {
  const subject = entry.subject && entry.subject.startsWith('req_')
    ? h('a', { href: pagePath(`requests/${encodeURIComponent(entry.subject)}`) }, entry.subject)
    : entry.subject ?? '';
  return h('tr', { dataset: { seq: String(entry.seq), action: entry.action } },
    h('td', {}, String(entry.seq)),
    h('td', {}, when(entry.ts)),
    h('td', {}, userText(entry.actor)),
    h('td', {}, entry.action),
    h('td', {}, subject),
    h('td', {}, h('code', { class: 'data' }, userText(JSON.stringify(entry.data)))));
}

// ---- break-glass reviews ----------------------------------------------------------------------

export async function reviewsScreen(view, app) {
  view.append(h('h1', {}, 'Break-glass reviews'));
  if (!app.features.reviews) {
    view.append(h('p', { class: 'empty' }, 'This server does not keep break-glass reviews.'));
    return undefined;
  }
  const open = h('div', { id: 'reviews-open' });
  const closed = h('div', { id: 'reviews-closed' });
  const openId = uid('reviews');
  const closedId = uid('reviews');
  view.append(
    h('p', { class: 'hint' }, 'Access granted without approval (break-glass) waits here for an administrator to review it.'),
    h('section', { class: 'group', 'aria-labelledby': openId }, h('h2', { id: openId }, 'Open'), open),
    h('section', { class: 'group', 'aria-labelledby': closedId }, h('h2', { id: closedId }, 'Closed'), closed));
  const load = async () => {
    // GET /api/v1/reviews answers { reviews: Review[] }, newest first; `status` picks open or closed ones.
    const [{ reviews: openReviews }, { reviews: closedReviews }] = await Promise.all([
      api('GET', `api/v1/reviews${query({ status: 'open' })}`),
      api('GET', `api/v1/reviews${query({ status: 'closed' })}`),
    ]);
    const focusKey = document.activeElement?.dataset?.focusKey;
    open.replaceChildren(openReviews.length
      ? h('ul', { class: 'cards' }, openReviews.map((review) => reviewCard(review, app, load)))
      : h('p', { class: 'empty' }, 'No review is open.'));
    closed.replaceChildren(closedReviews.length
      ? h('ul', { class: 'cards' }, closedReviews.map((review) => reviewCard(review, app, load)))
      : h('p', { class: 'empty' }, 'No review has been closed yet.'));
    if (focusKey) view.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  };
  await load();
  return undefined;
}

/** One review (the API's Review): its request, who asked and why, and, while open, the close form. */
function reviewCard(review, app, reload) {
  const request = review.request;
  const closed = review.status === 'closed';
  const comment = h('input', { name: 'comment', required: true, maxlength: '2000', autocomplete: 'off', dataset: { focusKey: `review-${review.id}` } });
  const errors = h('div', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': `Close review ${review.id}` }, errors, field('Review comment', comment), h('button', { type: 'submit' }, 'Close review'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    if (!comment.value.trim()) {
      errors.append('Write what you found.');
      comment.focus();
      return;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await api('POST', `api/v1/reviews/${encodeURIComponent(review.id)}/close`, { comment: comment.value.trim() });
      app.toast('Review closed.');
      await reload();
    } catch (err) {
      button.disabled = false;
      if (err instanceof ApiError && err.status === 401) return app.signedOut();
      errors.append(err.message);
      comment.focus();
    }
  });
  return h('li', { class: 'card review', dataset: { review: review.id, request: review.request_id, status: review.status } },
    h('div', { class: 'card-head' },
      h('a', { href: pagePath(`requests/${encodeURIComponent(review.request_id)}`) }, request ? [h('strong', {}, request.role), ' on ', request.provider] : review.request_id),
      h('span', { class: `badge ${closed ? 'status-revoked' : 'status-pending'}` }, closed ? 'Closed' : 'Open'),
      request ? statusBadge(request.status) : undefined),
    request ? h('p', { class: 'meta' }, 'By ', userText(request.requester)) : undefined,
    request ? h('p', { class: 'reason' }, userText(request.reason)) : undefined,
    h('p', { class: 'meta' }, 'Opened ', when(review.opened_at), closed && review.closed_at ? [' · closed ', when(review.closed_at), review.closed_by ? [' by ', userText(review.closed_by)] : ''] : ''),
    review.comment ? h('p', { class: 'review-comment' }, 'Comment: ', userText(review.comment)) : undefined,
    closed || !app.features.closeReview ? undefined : form);
}
