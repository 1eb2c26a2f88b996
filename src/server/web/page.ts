// The smallest web UI that proves the cookie session works: who is logged in, their requests
// with a Revoke button (a fetch with the X-CSRF-Token header), log in (local password or SSO)
// and log out. No inline script (the CSP allows only /ui/app.js), all text set as textContent
// (never parsed as HTML), text from users isolated in <bdi>.
// Paths are relative, so the page works under a path prefix behind a proxy too.

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
};

export const SCRIPT_HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  'cache-control': 'no-cache',
};

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lease</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}li{margin:.3rem 0}button{margin-left:.5rem}#status{color:#a00}</style>
<script src="ui/app.js" defer></script>
</head>
<body>
<h1>Lease</h1>
<p id="status" role="status"></p>
<section id="out" hidden>
  <form id="login">
    <label>Provider <input name="provider" value="local" required></label><br>
    <label>Username <input name="username" autocomplete="username" required></label><br>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label><br>
    <button type="submit">Log in</button>
    <button type="button" id="sso">Log in with SSO</button>
  </form>
</section>
<section id="in" hidden>
  <p>Logged in as <strong id="who"></strong> <button type="button" id="logout">Log out</button></p>
  <h2>Your requests</h2>
  <ul id="requests"></ul>
</section>
</body>
</html>
`;

export const PAGE_SCRIPT = `'use strict';
const $ = (id) => document.getElementById(id);
const ENDED = ['revoking', 'revoked', 'denied', 'failed'];
let csrf = '';

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrf) headers['x-csrf-token'] = csrf;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', referrerPolicy: 'same-origin' });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(data.error ? data.error.message : r.statusText), { status: r.status, code: data.error && data.error.code });
  return data;
}

function say(message) {
  $('status').textContent = message;
}

async function refresh() {
  try {
    const me = await api('GET', 'api/v1/auth/csrf');
    csrf = me.csrf_token;
    const who = me.identity;
    $('who').textContent = (who.name || who.id) + (who.email ? ' <' + who.email + '>' : '') + ' via ' + who.provider;
    $('out').hidden = true;
    $('in').hidden = false;
    await listRequests();
  } catch (err) {
    csrf = '';
    $('in').hidden = true;
    $('out').hidden = false;
    if (err.status !== 401) say(err.message);
  }
}

async function listRequests() {
  const { requests } = await api('GET', 'api/v1/requests?limit=50');
  const list = $('requests');
  list.replaceChildren();
  for (const r of requests) {
    const item = document.createElement('li');
    item.dataset.id = r.id;
    item.dataset.status = r.status;
    // The reason in a <bdi>: a right-to-left override in it cannot reorder the text around it.
    const reason = document.createElement('bdi');
    reason.textContent = r.reason;
    item.append(r.role + ' on ' + r.provider + ': ' + r.status + ' (', reason, ')');
    if (!ENDED.includes(r.status)) {
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.textContent = 'Revoke';
      revoke.addEventListener('click', () => act(() => api('POST', 'api/v1/requests/' + encodeURIComponent(r.id) + '/revoke', { reason: 'revoked from the web page' })));
      item.append(revoke);
    }
    list.append(item);
  }
}

async function act(action) {
  say('');
  try {
    await action();
  } catch (err) {
    say(err.message);
  }
  await refresh();
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  act(() => api('POST', 'api/v1/auth/' + encodeURIComponent(form.get('provider')) + '/login', { username: form.get('username'), password: form.get('password'), mode: 'cookie' }));
});
$('sso').addEventListener('click', () => {
  const provider = $('login').elements.provider.value;
  location.assign('api/v1/auth/' + encodeURIComponent(provider) + '/web-login?return_to=' + encodeURIComponent('/'));
});
$('logout').addEventListener('click', () => act(() => api('POST', 'api/v1/auth/logout')));
refresh();
`;
