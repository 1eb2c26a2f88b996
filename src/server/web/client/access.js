// The requester's screens: my access (pending, active with a live countdown, ended; revoke and
// extend), asking for access, and one request's page (/requests/<id>, where notifications link).
import { api, ApiError, pagePath, query } from './api.js';
import { countdown, durationMs, durationText, ENDED, field, formatDuration, h, statusBadge, uid, userText, when } from './dom.js';
import { approvalsPanel, decisionForm } from './inbox.js';

const OPEN = ['pending', 'granting', 'active', 'revoking'];
const MOVING = ['pending', 'granting', 'revoking'];
const ENDED_SHOWN = 50;

/** Re-reads every few seconds while the page is visible (faster while something is moving). */
export function poll(load, isMoving) {
  let timer;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      if (document.visibilityState === 'visible') await load().catch(() => undefined);
      schedule();
    }, isMoving() ? 3000 : 20000);
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Keeps keyboard focus on "the same" control across a re-render (by data-focus-key). */
function keepFocus(container, update) {
  const key = document.activeElement?.dataset?.focusKey;
  update();
  if (key) container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
}

// ---- my access ---------------------------------------------------------------------------------

export async function myAccessScreen(view, app) {
  const lists = h('div', { class: 'lists' });
  view.append(
    h('div', { class: 'title-row' }, h('h1', {}, 'My access'), h('a', { class: 'button', href: pagePath('request') }, 'Request access')),
    lists,
  );
  let signature = '';
  let current = [];
  const load = async () => {
    const [open, ended] = await Promise.all([
      api('GET', `api/v1/requests${query({ status: OPEN.join(','), limit: 1000 })}`),
      api('GET', `api/v1/requests${query({ status: ENDED.join(','), limit: ENDED_SHOWN })}`),
    ]);
    current = [...open.requests, ...ended.requests];
    const next = JSON.stringify(current.map((r) => [r.id, r.status, r.expires_at, r.updated_at]));
    if (next === signature) return;
    signature = next;
    keepFocus(lists, () => lists.replaceChildren(...sections(current, app, load)));
  };
  await load();
  app.refresh = () => load().catch((err) => app.showError(view, err));
  return poll(load, () => current.some((r) => MOVING.includes(r.status)));
}

function sections(requests, app, reload) {
  const group = (statuses) => requests.filter((r) => statuses.includes(r.status));
  const section = (title, items, empty, note) => {
    const id = uid('sec');
    return h('section', { 'aria-labelledby': id, class: 'group' },
      h('h2', { id }, title, ' ', h('span', { class: 'count' }, `(${items.length})`)),
      note ? h('p', { class: 'hint' }, note) : undefined,
      items.length ? h('ul', { class: 'cards' }, items.map((r) => requestCard(r, app, reload, { extensions: pendingExtensions(requests, r) }))) : h('p', { class: 'empty' }, empty));
  };
  return [
    section('Active', group(['active', 'revoking']), 'Nothing active right now.'),
    section('Pending', group(['pending', 'granting']), 'No request is waiting.'),
    section('Ended', group(ENDED), 'Nothing has ended yet.', `The last ${ENDED_SHOWN} at most.`),
  ];
}

/** The pending extension requests (`extended_from`) of a lease, among those listed. */
function pendingExtensions(requests, r) {
  return requests.filter((x) => x.extended_from === r.id && MOVING.includes(x.status));
}

/** One request as a card: what, status, reason, time left, pending extensions, and its actions. */
export function requestCard(r, app, reload, { showRequester = false, extensions = [] } = {}) {
  const actions = h('div', { class: 'actions' });
  if (!ENDED.includes(r.status) && r.status !== 'revoking') actions.append(revokeButton(r, app, reload));
  if (r.status === 'active' && app.features.extend && !showRequester) actions.append(extendControl(r, app, reload));
  return h('li', { class: 'card request', dataset: { id: r.id, status: r.status } },
    h('div', { class: 'card-head' },
      h('a', { href: pagePath(`requests/${encodeURIComponent(r.id)}`), class: 'request-link' }, h('strong', {}, r.role), ' on ', r.provider),
      statusBadge(r.status),
      r.break_glass ? h('span', { class: 'badge break-glass' }, 'Break-glass') : undefined),
    showRequester ? h('p', { class: 'meta' }, 'By ', userText(requesterName(r))) : undefined,
    h('p', { class: 'reason' }, userText(r.reason)),
    r.extended_from ? h('p', { class: 'meta extends' }, 'Extension of ', h('a', { href: pagePath(`requests/${encodeURIComponent(r.extended_from)}`) }, r.extended_from)) : undefined,
    h('p', { class: 'meta' }, timing(r)),
    r.approvals && r.status === 'pending' ? approvalProgress(r.approvals) : undefined,
    extensions.length
      ? h('p', { class: 'meta pending-extension' }, extensions.map((x, i) => [i ? '; ' : '',
          h('a', { href: pagePath(`requests/${encodeURIComponent(x.id)}`) }, `Extension by ${formatDuration(durationMs(x.duration))}`), ' waiting for approval']))
      : undefined,
    actions);
}

export function requesterName(r) {
  const q = r.requester ?? {};
  return `${q.name || q.id}${q.email ? ` <${q.email}>` : ''} (${q.provider})`;
}

function timing(r) {
  if (r.status === 'active' && r.expires_at) return [countdown(r.expires_at), ' · until ', when(r.expires_at)];
  if (r.status === 'pending' && r.start_at && Date.parse(r.start_at) > Date.now()) return ['Starts ', when(r.start_at), ` · for ${formatDuration(durationMs(r.duration))}`];
  if (ENDED.includes(r.status)) return [r.outcome ? `${r.outcome.message} · ` : '', 'ended ', when(r.ended_at ?? r.updated_at)];
  return [`${formatDuration(durationMs(r.duration))} asked `, when(r.created_at)];
}

/**
 * Where a request stands against its approvals (the API's Approvals): "1 of 2 approvals", and
 * with stages "· stage 1 of 2 (team lead)", with a <progress> for the stage awaiting approval.
 * Once every stage is approved (`stage` null), the whole count.
 */
export function approvalProgress(approvals) {
  const { stages } = approvals;
  const stage = approvals.stage === null ? undefined : stages[approvals.stage];
  const approved = stage ? stage.approved_by.length : stages.reduce((n, s) => n + s.approved_by.length, 0);
  const needed = stage ? stage.required : approvals.required;
  const label = `${Math.min(approved, needed)} of ${needed} approval${needed === 1 ? '' : 's'}`;
  return h('div', { class: 'progress', dataset: { approved: String(approved), required: String(needed), stage: stage ? String(approvals.stage) : '' } },
    h('progress', { max: String(Math.max(needed, 1)), value: String(Math.min(approved, needed)), 'aria-label': label }),
    h('span', {}, label, stage && stages.length > 1 ? [` · stage ${approvals.stage + 1} of ${stages.length}`, stage.name ? [' (', userText(stage.name), ')'] : ''] : ''));
}

function revokeButton(r, app, reload) {
  return h('button', {
    type: 'button',
    class: 'danger',
    dataset: { focusKey: `revoke-${r.id}`, action: 'revoke' },
    onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        await api('POST', `api/v1/requests/${encodeURIComponent(r.id)}/revoke`, { reason: 'revoked from the web app' });
        app.toast(`Revoking ${r.role} on ${r.provider}.`);
        await reload();
      } catch (err) {
        button.disabled = false;
        app.toast(err.message);
        if (err instanceof ApiError && err.status === 401) app.signedOut();
      }
    },
  }, r.status === 'pending' ? 'Cancel' : 'Revoke');
}

const EXTEND_CHOICES = [15, 30, 60, 120, 240, 480].map((m) => m * 60_000);

/** Extend: a disclosure with how much longer and why; the server applies the role's bounds. */
function extendControl(r, app, reload) {
  const duration = h('select', { name: 'duration' }, EXTEND_CHOICES.map((ms) => h('option', { value: durationText(ms) }, formatDuration(ms))));
  const reason = h('input', { name: 'reason', maxlength: '2000', autocomplete: 'off' });
  const form = h('form', { class: 'inline-form', hidden: true },
    field('Extend by', duration),
    field('Reason (optional)', reason),
    h('button', { type: 'submit' }, 'Extend'));
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', dataset: { focusKey: `extend-${r.id}`, action: 'extend' } }, 'Extend…');
  toggle.addEventListener('click', () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) duration.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      // The answer is the extension request: applied at once (extend_without_approval), else pending its approvals.
      const extension = await api('POST', `api/v1/requests/${encodeURIComponent(r.id)}/extend`, { duration: duration.value, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) });
      const by = formatDuration(durationMs(extension.duration));
      app.toast(extension.status === 'pending' && extension.approvals
        ? `Asked to extend ${r.role} on ${r.provider} by ${by}: waiting for approval.`
        : `Extending ${r.role} on ${r.provider} by ${by}.`);
      await reload();
    } catch (err) {
      button.disabled = false;
      app.toast(err.message);
    }
  });
  return h('div', { class: 'extend' }, toggle, form);
}

// ---- request access --------------------------------------------------------------------------

const DURATION_CHOICES = [15, 30, 60, 120, 240, 480, 720, 1440].map((m) => m * 60_000);

export async function requestScreen(view, app) {
  view.append(h('h1', {}, 'Request access'));
  const [{ roles }, { providers }] = await Promise.all([api('GET', 'api/v1/roles'), api('GET', 'api/v1/providers')]);
  const enabled = new Map(providers.filter((p) => p.enabled).map((p) => [p.id, p]));
  // Only what this identity may ask for: in the role's scopes, on a provider that is enabled.
  const choices = roles
    .filter((r) => r.requestable)
    .map((r) => ({ ...r, providers: r.providers.filter((p) => enabled.has(p)) }))
    .filter((r) => r.providers.length > 0);
  if (choices.length === 0) {
    view.append(h('p', { class: 'empty' }, 'There is no role you may request. Ask an administrator to add you to a role\'s scopes.'));
    return undefined;
  }
  const role = h('select', { name: 'role', required: true }, choices.map((r) => h('option', { value: r.id }, r.name || r.id)));
  const provider = h('select', { name: 'provider', required: true });
  const duration = h('select', { name: 'duration', required: true });
  const reason = h('input', { name: 'reason', required: true, maxlength: '2000', autocomplete: 'off', placeholder: 'e.g. INC-4211: read the payment service logs' });
  const breakGlass = h('input', { name: 'break_glass', type: 'checkbox', id: uid('f') });
  const roleHint = h('span');
  const durationHint = h('span');
  const errors = h('div', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Request');
  // Ask in plain words: the server's suggestion fills role, provider, duration and reason.
  const need = h('input', { name: 'need', maxlength: '2000', autocomplete: 'off', placeholder: 'e.g. debug the checkout logs in prod for 2 hours' });
  const suggest = h('button', { type: 'button', class: 'secondary', id: 'suggest-button' }, 'Suggest');
  const suggestion = h('p', { class: 'hint', id: 'suggestion', role: 'status' });
  const form = h('form', { class: 'card', id: 'request-form', novalidate: true },
    errors,
    field('Describe what you need', need, 'Optional: a suggestion fills in the fields below.'),
    h('div', { class: 'field' }, suggest, suggestion),
    field('Role', role),
    h('p', { class: 'hint role-description' }, roleHint),
    field('Provider', provider),
    field('Duration', duration, durationHint),
    field('Reason', reason, 'Approvers and the audit log see it.'),
    h('div', { class: 'field checkbox' },
      breakGlass, h('label', { for: breakGlass.id }, 'Break-glass: an emergency'),
      h('span', { class: 'hint' }, 'Granted at once without approval, only for roles that allow it; everyone is notified and an administrator reviews it afterwards.')),
    submit);
  view.append(form);

  const update = () => {
    const chosen = choices.find((r) => r.id === role.value) ?? choices[0];
    roleHint.textContent = chosen.description || '';
    provider.replaceChildren(...chosen.providers.map((id) => h('option', { value: id }, enabled.get(id)?.name ? `${enabled.get(id).name} (${id})` : id)));
    const max = durationMs(chosen.max_duration);
    const options = DURATION_CHOICES.filter((ms) => !(ms > max));
    if (Number.isFinite(max) && !options.includes(max)) options.push(max);
    const previous = durationMs(duration.value);
    duration.replaceChildren(...options.map((ms) => h('option', { value: durationText(ms) }, ms === max ? `${formatDuration(ms)} (the most)` : formatDuration(ms))));
    const preferred = options.includes(previous) ? previous : options.includes(3_600_000) ? 3_600_000 : options[options.length - 1];
    duration.value = durationText(preferred);
    durationHint.textContent = Number.isFinite(max) ? `Up to ${formatDuration(max)} for this role.` : '';
  };
  role.addEventListener('change', update);
  update();

  const askSuggestion = async () => {
    const text = need.value.trim();
    suggestion.textContent = '';
    if (text === '') return need.focus();
    suggest.disabled = true;
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const answer = await api('POST', 'api/v1/suggestions', { text, ...(zone ? { time_zone: zone } : {}) });
      const best = answer.suggestions.find((s) => choices.some((r) => r.id === s.role && r.providers.includes(s.provider)));
      if (!best) {
        suggestion.textContent = 'Nothing you may request fits that: choose a role below.';
        return;
      }
      role.value = best.role;
      update();
      provider.value = best.provider;
      const ms = durationMs(best.duration);
      if (![...duration.options].some((o) => durationMs(o.value) === ms)) duration.append(h('option', { value: durationText(ms) }, formatDuration(ms)));
      duration.value = [...duration.options].find((o) => durationMs(o.value) === ms).value;
      if (reason.value.trim() === '') reason.value = best.reason;
      suggestion.textContent = `Suggested ${best.role} on ${best.provider} for ${formatDuration(ms)}: ${best.why.join('; ')}${answer.fallback ? ` (offline ranking: ${answer.fallback.reason})` : ''}`;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return app.signedOut();
      suggestion.textContent = err.message;
    } finally {
      suggest.disabled = false;
    }
  };
  suggest.addEventListener('click', () => void askSuggestion());
  need.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void askSuggestion();
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    if (reason.value.trim() === '') {
      errors.append('Say why you need this access.');
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    submit.disabled = true;
    try {
      const created = await api('POST', 'api/v1/requests', { role: role.value, provider: provider.value, duration: duration.value, reason: reason.value.trim(), ...(breakGlass.checked ? { break_glass: true } : {}) });
      app.toast(`Requested ${created.role} on ${created.provider}.`);
      await app.go(`requests/${encodeURIComponent(created.id)}`);
    } catch (err) {
      submit.disabled = false;
      if (err instanceof ApiError && err.status === 401) return app.signedOut();
      errors.append(err.message);
      const target = { role, provider, duration, reason, break_glass: breakGlass }[err.field];
      (target ?? role).focus();
    }
  });
  return undefined;
}

// ---- one request ----------------------------------------------------------------------------

export async function detailScreen(view, app, id) {
  const body = h('div');
  view.append(body);
  let signature = '';
  let current;
  const load = async () => {
    const r = await api('GET', `api/v1/requests/${encodeURIComponent(id)}`);
    current = r;
    const next = JSON.stringify(r);
    if (next === signature) return;
    signature = next;
    keepFocus(body, () => body.replaceChildren(...detail(r, app, load)));
  };
  await load();
  app.refresh = () => load().catch((err) => app.showError(view, err));
  return poll(load, () => MOVING.includes(current?.status));
}

function detail(r, app, reload) {
  const own = r.requester.id === app.session.identity.id && r.requester.provider === app.session.identity.provider;
  const rows = [
    ['Status', [statusBadge(r.status), r.break_glass ? h('span', { class: 'badge break-glass' }, 'Break-glass') : undefined]],
    ['Requester', userText(requesterName(r))],
    ['Role', r.role],
    ['Provider', r.provider],
    ['Duration', formatDuration(durationMs(r.duration))],
    ['Reason', userText(r.reason)],
    ['Asked', when(r.created_at)],
    r.start_at ? ['Starts', when(r.start_at)] : undefined,
    r.granted_at ? ['Granted', when(r.granted_at)] : undefined,
    r.expires_at ? ['Expires', r.status === 'active' ? [when(r.expires_at), ' (', countdown(r.expires_at), ')'] : when(r.expires_at)] : undefined,
    r.ended_at ? ['Ended', when(r.ended_at)] : undefined,
    r.outcome ? ['Outcome', userText(r.outcome.message)] : undefined,
    ['Workflow', r.workflow ?? 'default'],
    ['Request id', h('code', {}, r.id)],
    r.extended_from ? ['Extension of', h('a', { href: pagePath(`requests/${encodeURIComponent(r.extended_from)}`) }, h('code', {}, r.extended_from))] : undefined,
  ].filter(Boolean);
  const actions = h('div', { class: 'actions' });
  if (!ENDED.includes(r.status) && r.status !== 'revoking') actions.append(revokeButton(r, app, reload));
  if (own && r.status === 'active' && app.features.extend) actions.append(extendControl(r, app, reload));
  return [
    h('h1', {}, h('span', { class: 'sr-only' }, 'Request: '), `${r.role} on ${r.provider}`),
    h('dl', { class: 'facts' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    r.approvals ? approvalsPanel(r.approvals) : undefined,
    !own && r.status === 'pending' ? decisionForm(r, app, reload) : undefined,
    actions.childElementCount ? actions : undefined,
  ];
}
