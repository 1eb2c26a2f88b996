// The web app's entry: who is signed in, the navigation, and which screen a path shows.
// Screens live in access.js (my access, request, one request), inbox.js (approvals) and
// admin.js (everyone's requests, audit log, break-glass reviews). Links are real links; the
// app follows them without a reload (history API) and moves focus to the new screen's heading.
import { api, ApiError, base, href, loadFeatures, pagePath, setCsrfToken } from './api.js';
import { h, tickCountdowns } from './dom.js';
import { detailScreen, myAccessScreen, requestScreen } from './access.js';
import { approvalsScreen } from './inbox.js';
import { adminRequestsScreen, auditScreen, reviewsScreen } from './admin.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const me = document.getElementById('me');
const toastEl = document.getElementById('toast');

/** Everything a screen needs to know about the app. */
const app = {
  session: undefined,
  features: undefined,
  /** Called by the countdown tick when a lease reaches its end, and by polling screens. */
  refresh: undefined,
  go,
  toast,
  showError,
  signedOut,
};

const ROUTES = [
  { pattern: /^\/$/, screen: myAccessScreen, nav: 'access' },
  { pattern: /^\/request$/, screen: requestScreen, nav: 'request' },
  { pattern: /^\/approvals$/, screen: approvalsScreen, nav: 'approvals' },
  { pattern: /^\/admin$/, screen: adminRequestsScreen, nav: 'admin', admin: true },
  { pattern: /^\/admin\/audit$/, screen: auditScreen, nav: 'audit', admin: true },
  { pattern: /^\/admin\/reviews$/, screen: reviewsScreen, nav: 'reviews', admin: true },
  { pattern: /^\/requests\/([^/]+)$/, screen: detailScreen, nav: undefined },
];

/** The app's own path of the current location ("/requests/x"), without the server's path prefix. */
function appPath() {
  const prefix = base.pathname.replace(/\/$/, '');
  const path = location.pathname.startsWith(prefix) ? location.pathname.slice(prefix.length) : location.pathname;
  return path === '' ? '/' : path;
}

let stopScreen;
let generation = 0;

async function render({ focus } = { focus: true }) {
  const current = ++generation;
  if (stopScreen) stopScreen();
  stopScreen = undefined;
  app.refresh = undefined;
  const path = appPath();
  if (!app.session?.signed_in) return renderLogin(path);
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  renderNav(match?.r.nav);
  if (path === '/login') return go('', { replace: true });
  const view = h('div', { class: 'screen' });
  main.replaceChildren(view);
  if (!match || (match.r.admin && !app.session.admin)) {
    notFound(view);
  } else {
    try {
      stopScreen = await match.r.screen(view, app, ...match.m.slice(1).map(decodeURIComponent));
    } catch (err) {
      if (current !== generation) return;
      if (err instanceof ApiError && err.status === 401) return signedOut();
      if (err instanceof ApiError && err.status === 404) notFound(view);
      else showError(view, err);
    }
  }
  if (current !== generation) return;
  const heading = main.querySelector('h1');
  document.title = heading ? `${heading.textContent} · Lease` : 'Lease';
  if (focus && heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
}

function notFound(view) {
  document.title = 'Not found · Lease';
  view.replaceChildren(
    h('h1', { class: 'not-found' }, 'Not found'),
    h('p', {}, 'There is nothing here, or it is not yours to see.'),
    h('p', {}, h('a', { href: pagePath('') }, 'Back to my access')),
  );
}

function renderNav(active) {
  const links = [
    ['access', '', 'My access'],
    ['request', 'request', 'Request access'],
    ['approvals', 'approvals', 'Approvals'],
  ];
  if (app.session.admin) {
    links.push(['admin', 'admin', 'All requests'], ['audit', 'admin/audit', 'Audit log']);
    if (app.features.reviews) links.push(['reviews', 'admin/reviews', 'Reviews']);
  }
  nav.replaceChildren(h('ul', {}, links.map(([key, path, label]) => h('li', {}, h('a', { href: pagePath(path), 'aria-current': key === active ? 'page' : undefined }, label)))));
  nav.hidden = false;
  const who = app.session.identity;
  me.replaceChildren(
    h('span', { id: 'who' }, `${who.name || who.id}${who.email ? ` <${who.email}>` : ''} via ${who.provider}`),
    h('button', { type: 'button', id: 'logout', class: 'link-button', onclick: logout }, 'Sign out'),
  );
  me.hidden = false;
}

// ---- signing in and out ----------------------------------------------------------------------

async function renderLogin(path) {
  nav.hidden = true;
  me.hidden = true;
  const returnTo = path === '/login' ? '/' : `${path}${location.search}`;
  const view = h('div', { class: 'screen narrow' }, h('h1', {}, 'Sign in to Lease'));
  main.replaceChildren(view);
  document.title = 'Sign in · Lease';
  let providers;
  try {
    ({ providers } = await api('GET', 'api/v1/auth/providers'));
  } catch (err) {
    showError(view, err);
    return;
  }
  if (providers.length === 0) view.append(h('p', {}, 'No identity provider is configured on this server.'));
  const errors = h('div', { class: 'error', role: 'alert' });
  view.append(errors);
  let first = true;
  for (const provider of providers.filter((p) => p.login === 'password')) {
    const username = h('input', { name: 'username', autocomplete: 'username', required: true });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const form = h(
      'form',
      { class: 'card', id: first ? 'login' : undefined, dataset: { provider: provider.id } },
      h('h2', {}, provider.name),
      h('div', { class: 'field' }, h('label', {}, 'Username', username)),
      h('div', { class: 'field' }, h('label', {}, 'Password', password)),
      h('button', { type: 'submit' }, 'Sign in'),
    );
    first = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      errors.replaceChildren();
      const button = form.querySelector('button');
      button.disabled = true;
      try {
        const session = await api('POST', `api/v1/auth/${encodeURIComponent(provider.id)}/login`, { username: username.value, password: password.value, mode: 'cookie' });
        setCsrfToken(session.csrf_token);
        await loadSession();
        history.replaceState(null, '', pagePath(returnTo.replace(/^\//, '')));
        await render();
      } catch (err) {
        errors.replaceChildren(err.message);
        button.disabled = false;
        password.focus();
      }
    });
    view.append(form);
  }
  const redirects = providers.filter((p) => p.login === 'redirect');
  if (redirects.length > 0) {
    view.append(
      h('div', { class: 'card' }, h('h2', {}, 'Single sign-on'),
        h('ul', { class: 'sso' }, redirects.map((p) =>
          h('li', {}, h('a', { class: 'button', href: href(`api/v1/auth/${encodeURIComponent(p.id)}/web-login?return_to=${encodeURIComponent(returnTo)}`), dataset: { provider: p.id, type: p.type } }, `Sign in with ${p.name}`))))),
    );
  }
  const heading = view.querySelector('h1');
  heading.tabIndex = -1;
}

async function logout() {
  try {
    await api('POST', 'api/v1/auth/logout');
  } catch (err) {
    toast(err.message);
  }
  signedOut();
}

function signedOut() {
  app.session = { signed_in: false };
  setCsrfToken('');
  render();
}

async function loadSession() {
  const [session, features] = await Promise.all([api('GET', 'api/v1/auth/session'), app.features ?? loadFeatures()]);
  app.session = session;
  app.features = features;
  setCsrfToken(session.signed_in ? session.csrf_token : '');
}

// ---- navigation --------------------------------------------------------------------------------

/** Shows the app's page at `path` (relative: "requests/x"), as a new history entry unless `replace`. */
function go(path, { replace = false } = {}) {
  const url = pagePath(path);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  return render();
}

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(base.pathname.replace(/\/$/, '') || '/')) return;
  if (url.pathname.includes('/api/') || url.pathname.includes('/ui/')) return;
  if (url.hash && url.pathname === location.pathname) return;
  event.preventDefault();
  history.pushState(null, '', url.pathname + url.search);
  render();
});
window.addEventListener('popstate', () => render());

// ---- messages ------------------------------------------------------------------------------------

let toastTimer;
function toast(message) {
  toastEl.textContent = message;
  toastEl.classList.add('shown');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => toastEl.classList.remove('shown'), 6000);
}

/** An error where it happened (role=alert), and back to sign-in when the session is gone. */
function showError(where, err) {
  if (err instanceof ApiError && err.status === 401) return signedOut();
  const box = h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err));
  where.prepend(box);
  return box;
}

// ---- the clock -----------------------------------------------------------------------------------

setInterval(() => {
  if (tickCountdowns(Date.now()) && app.refresh) app.refresh();
}, 1000);

try {
  await loadSession();
} catch (err) {
  app.session = { signed_in: false };
  app.features = await loadFeatures();
  showError(main, err);
}
await render({ focus: false });
