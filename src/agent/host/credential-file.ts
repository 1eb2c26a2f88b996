// The host credential on the host: one line in a 0600 file (default `$LEASE_HOME/host.credential`).
// Made once with `lease agent --host <id> --new-credential`, which prints only its SHA-256 for
// the server's config; the secret itself never leaves this file except as the bearer token.
import { LeaseError } from '../../core/index.js';
import { credentialSha256, newHostCredential } from '../../providers/index.js';
import { readPrivateFile, writePrivateFile } from '../../crypto/index.js';

export const HOST_CREDENTIAL_FILE = 'host.credential';

export class HostCredentialFileError extends LeaseError {
  constructor(code: 'host_credential_missing' | 'host_credential_insecure' | 'host_credential_exists' | 'host_credential_invalid', message: string) {
    super(code, message, { status: 500 });
  }
}

/** The credential in `file`; refuses a missing, empty or group/other-readable file. */
export async function readHostCredential(file: string): Promise<string> {
  const text = await readPrivateFile(file, (mode) => new HostCredentialFileError('host_credential_insecure', `${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`));
  if (text === null) throw new HostCredentialFileError('host_credential_missing', `no host credential at ${file}; make one with --new-credential`);
  const credential = text.trim();
  if (!/^lhc_[A-Za-z0-9_-]{43}$/.test(credential)) throw new HostCredentialFileError('host_credential_invalid', `${file} does not hold a host credential`);
  return credential;
}

/** Creates a new credential in `file` (never replacing one); returns its SHA-256 for the server's config. */
export async function createHostCredential(file: string): Promise<string> {
  const credential = newHostCredential();
  if (!(await writePrivateFile(file, `${credential}\n`, { exclusive: true }))) {
    throw new HostCredentialFileError('host_credential_exists', `${file} already exists; remove it first to replace the credential (and update the server's agent_credential_sha256)`);
  }
  return credentialSha256(credential);
}
