// Where the browser goes after a web login: a path on this server, never another site
// (an open redirect would let a link to our login send a freshly logged-in user anywhere).
import { LeaseError } from '../../core/index.js';

const MAX_LENGTH = 2048;
const PROBE = new URL('https://lease.invalid');

/** `return_to` is not a same-origin relative path (400). */
export class ReturnToInvalid extends LeaseError {
  constructor(reason: string) {
    super('invalid_return_to', `return_to must be a path on this server such as /requests: ${reason}`, { status: 400, field: 'return_to' });
  }
}

/**
 * A path (`/…`) that stays on this origin, normalised; `/` when absent. Refuses `//host` and
 * `/\host` (browsers read both as another host), schemes, control characters and backslashes.
 */
export function checkReturnTo(value: string | undefined): string {
  if (value === undefined || value === '') return '/';
  if (value.length > MAX_LENGTH) throw new ReturnToInvalid('too long');
  if (!value.startsWith('/')) throw new ReturnToInvalid('not a path starting with /');
  if (value.startsWith('//')) throw new ReturnToInvalid('a path starting with // names another host');
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(value)) throw new ReturnToInvalid('backslashes and control characters are not allowed');
  const url = new URL(value, PROBE);
  if (url.origin !== PROBE.origin) throw new ReturnToInvalid('it leaves this server');
  return `${url.pathname}${url.search}${url.hash}`;
}
