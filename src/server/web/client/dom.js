// Building the page: elements from plain data, text always as text (never parsed as HTML),
// text written by people isolated in <bdi> so right-to-left marks cannot reorder what is around it.

/** An element: attributes (`on…` are listeners, `class`, `dataset`, properties such as `hidden`), then children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (typeof value === 'boolean') el.toggleAttribute(key, value);
    else if (key === 'value') el.value = String(value);
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Text someone typed (a reason, a comment, a name): isolated for bidirectional text. */
export function userText(text) {
  return h('bdi', {}, text ?? '');
}

let ids = 0;
/** A fresh id for label/for and aria-describedby pairs. */
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled form field: `control` is an input, select or textarea element (its id is set here). */
export function field(label, control, hint) {
  const id = control.id || uid('f');
  control.id = id;
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : undefined;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

// ---- time and durations --------------------------------------------------------------------

const UNIT_MS = { D: 86_400_000, H: 3_600_000, M: 60_000, S: 1000 };

/** ISO-8601 duration (PT1H30M, P1D) or 90s/10m/1h/2d → milliseconds; NaN when unreadable. */
export function durationMs(text) {
  if (typeof text !== 'string') return NaN;
  const short = /^(\d+)([smhd])$/.exec(text.trim());
  if (short) return Number(short[1]) * UNIT_MS[short[2].toUpperCase()];
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!iso || text.trim() === 'P' || text.trim().endsWith('T')) return NaN;
  const [, d = 0, hh = 0, mm = 0, ss = 0] = iso;
  return Number(d) * UNIT_MS.D + Number(hh) * UNIT_MS.H + Number(mm) * UNIT_MS.M + Number(ss) * UNIT_MS.S;
}

/** 5400000 → "1h 30m"; 45000 → "45s". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '';
  const parts = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, seconds] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    const n = Math.floor(rest / seconds);
    rest -= n * seconds;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.length ? parts.slice(0, 2).join(' ') : '0s';
}

/** The API's duration text for `ms`: whole minutes as "90m", else seconds. */
export function durationText(ms) {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
}

/** A <time> showing a moment in the reader's locale. */
export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return h('time', { datetime: iso }, date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }));
}

/** "12m 03s left" until `iso` (`now` in ms); "ending…" once it has passed. */
export function countdownText(iso, now) {
  const left = Date.parse(iso) - now;
  if (!(left > 0)) return 'ending…';
  const s = Math.floor(left / 1000);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  if (hours >= 24) return `${Math.floor(hours / 24)}d ${hours % 24}h left`;
  return hours > 0 ? `${hours}h ${pad(minutes)}m ${pad(seconds)}s left` : `${minutes}m ${pad(seconds)}s left`;
}

/** A live countdown to `iso`: app.js ticks every [data-expires] once a second. */
export function countdown(iso) {
  return h('span', { class: 'countdown', dataset: { expires: iso }, title: `until ${new Date(iso).toLocaleString()}` }, countdownText(iso, Date.now()));
}

/** Updates every countdown on the page; answers whether one has just reached its end. */
export function tickCountdowns(now) {
  let ended = false;
  for (const el of document.querySelectorAll('[data-expires]')) {
    const text = countdownText(el.dataset.expires, now);
    if (text !== el.textContent) el.textContent = text;
    if (text === 'ending…' && !el.dataset.ended) {
      el.dataset.ended = 'true';
      ended = true;
    }
  }
  return ended;
}

const STATUS_LABELS = {
  pending: 'Pending', granting: 'Granting', active: 'Active', revoking: 'Revoking', revoked: 'Ended', denied: 'Denied', failed: 'Failed',
  expired: 'Expired', extended: 'Extended',
};

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, STATUS_LABELS[status] ?? status);
}

/** The statuses after which nothing more happens (the API's: an unapproved request ends expired, an applied extension extended). */
export const ENDED = ['revoked', 'denied', 'failed', 'expired', 'extended'];
