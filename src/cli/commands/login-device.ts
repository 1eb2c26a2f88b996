// `lease login --device` (RFC 8628), for a host without a browser: the server answers a URL and a
// short code; the person opens the URL in any browser, checks the code and logs in; meanwhile
// the CLI polls at the server's interval (slower after each slow_down) until the session comes.
import type { DeviceAuthorization } from '../../server/api/schemas.js';
import { ApiClient } from '../client.js';
import { CliError } from '../errors.js';
import type { BrowserLoginResult } from './login-browser.js';

/** RFC 8628 §3.5: after slow_down, poll 5 seconds slower from then on. */
const SLOW_DOWN_STEP_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function deviceLogin(options: {
  server: string;
  provider: string;
  /** Shows the URL and the code (stdout by default; stderr under --json). */
  show: (authorization: DeviceAuthorization) => void;
}): Promise<BrowserLoginResult> {
  const client = new ApiClient(options.server);
  const authorization = await client.post<DeviceAuthorization>(`/api/v1/auth/${encodeURIComponent(options.provider)}/device`, {}).catch((err: unknown) => {
    if (err instanceof CliError && err.code === 'identity_provider_not_found') {
      throw new CliError(`${err.message}; a device login needs an OIDC or SAML provider (for a password login pass --username U --password-stdin)`, err.exitCode, err.code);
    }
    throw err;
  });
  options.show(authorization);
  let intervalMs = Math.max(1, authorization.interval) * 1000;
  // The server says when the code expired; this only stops a CLI whose server went silent.
  const deadline = Date.now() + authorization.expires_in * 1000 + 60_000;
  while (Date.now() < deadline) {
    await sleep(intervalMs);
    try {
      return await client.post<BrowserLoginResult>('/api/v1/auth/device/token', { device_code: authorization.device_code });
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      if (err.code === 'authorization_pending') continue;
      if (err.code === 'slow_down') {
        intervalMs += SLOW_DOWN_STEP_MS;
        continue;
      }
      if (err.code === 'expired_token') throw new CliError(`the code ${authorization.user_code} expired before the login was completed in a browser; run lease login --device again`, 1, err.code);
      if (err.code === 'access_denied') throw new CliError('the login was denied in the browser (or the identity provider refused it); nothing was stored', 1, err.code);
      throw err;
    }
  }
  throw new CliError(`no login within ${Math.round(authorization.expires_in / 60)} minutes; run lease login --device again`, 1, 'login_timeout');
}
