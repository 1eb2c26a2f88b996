// The --server option (and LEASE_SERVER): an http(s) URL, or a usage error that names the value.
import { CliError } from './errors.js';

/** Refuses a server that is not an http(s) URL, as a usage error (exit 2) naming where it came from. */
export function checkServerUrl(value: string, where: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new CliError(`${where} must be an http(s) URL like https://lease.example.com, got "${value}"`, 2);
  }
}
