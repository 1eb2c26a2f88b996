// Refuses a browser request made from another origin, before the CSRF token is even looked at
// (defence in depth). The rule of Go's net/http CrossOriginProtection: `Sec-Fetch-Site` when
// the browser sends it (every current browser does), else `Origin`; a request with neither is
// not from a browser page, or from one too old to say, and the CSRF token alone decides.
import { LeaseError } from '../../core/index.js';

/** A cross-origin browser request (403): another site's page tried to use the session. */
export class CrossSiteRequest extends LeaseError {
  constructor(what: string) {
    super('cross_site_request', `refused ${what}: only pages of this server may use its session cookie`, { status: 403 });
  }
}

/** `trusted`: the origins of this server (its public URL and the one the request was sent to). */
export function checkSameOrigin(headers: Headers, trusted: readonly string[]): void {
  const site = headers.get('sec-fetch-site');
  if (site !== null) {
    // `none`: the user's own navigation (address bar, bookmark), never another page's doing.
    if (site === 'same-origin' || site === 'none') return;
    throw new CrossSiteRequest(site === 'same-site' || site === 'cross-site' ? `a ${site} request` : 'a request with an unknown Sec-Fetch-Site');
  }
  const origin = headers.get('origin');
  if (origin === null) return;
  // `null` (sandboxed frames, data: URLs, no-referrer pages) is never one of ours.
  if (!trusted.includes(origin)) throw new CrossSiteRequest('a request from another origin');
}
