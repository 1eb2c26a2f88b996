// The device login page's HTML: enter the code, check what is being authorised, and the
// outcome. Plain server-rendered forms, no script; every value is escaped.
import type { Identity } from '../../core/index.js';
import type { DevicePrompt } from './device-login.js';

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Lease</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}
.code{font:bold 2em ui-monospace,monospace;letter-spacing:.1em}button{font-size:1em;padding:.4em 1em;margin-right:.5em}
input{font:1.4em ui-monospace,monospace;text-transform:uppercase;width:10em}.error{color:#a00}</style></head>
<body><h1>${escape(title)}</h1>
${body}
</body></html>`;
}

/** Asks for the code the device printed. */
export function enterCodePage(error?: string): string {
  return page(
    'Log in a device',
    `${error ? `<p class="error">${escape(error)}</p>` : ''}
<p>Enter the code that <code>lease login --device</code> printed on your device.</p>
<form method="get" action="/device"><p><input name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" placeholder="XXXX-XXXX" required>
<button type="submit">Continue</button></p></form>`,
  );
}

/** Shows what is being authorised, so a person sent someone else's code can refuse it. */
export function confirmPage(prompt: DevicePrompt, form: { token: string }): string {
  const hidden = `<input type="hidden" name="user_code" value="${escape(prompt.user_code)}"><input type="hidden" name="form_token" value="${escape(form.token)}">`;
  return page(
    'Log in a device?',
    `<p>A device asked to log in to the Lease server <strong>${escape(prompt.server)}</strong> as you, through
<strong>${escape(prompt.provider_name)}</strong>. It will act with your identity until its session expires.</p>
<p>Continue only if <em>you</em> just ran <code>lease login --device</code> and it shows this code:</p>
<p class="code">${escape(prompt.user_code)}</p>
<p>The code expires at ${escape(prompt.expires_at)}.</p>
<form method="post" action="/device">${hidden}
<button type="submit" name="action" value="confirm">Continue to ${escape(prompt.provider_name)}</button>
<button type="submit" name="action" value="deny">Deny</button></form>`,
  );
}

export function loggedInPage(identity: Identity): string {
  return page(
    'Device logged in',
    `<p>The device is now logged in as <strong>${escape(identity.email ?? identity.id)}</strong>. You can close this window.</p>`,
  );
}

export function deniedPage(): string {
  return page('Login denied', '<p>The device was not logged in. You can close this window.</p>');
}

export function failedPage(message: string): string {
  return page('Login failed', `<p class="error">${escape(message)}</p><p><a href="/device">Enter a code again</a></p>`);
}
