// The session key file `<dataDir>/keys/session.jwk`: a key set file (crypto/key-set-file.ts)
// whose problems are reported as session key file errors.
import { readKeySetFile, type KeyEntry, type KeySetSealing } from '../../crypto/index.js';
import { SessionKeyFileInsecure, SessionKeyFileInvalid } from './errors.js';

export { KEY_BYTES, newKeyEntry, type KeyEntry } from '../../crypto/index.js';

const ERRORS = {
  invalid: (file: string, problem: string) => new SessionKeyFileInvalid(file, problem),
  insecure: (file: string, mode: number) => new SessionKeyFileInsecure(file, mode),
};

/** The entries in `file` (opened with `sealing` when it is sealed), or null when it does not exist. */
export function readKeyFile(file: string, sealing?: KeySetSealing): Promise<KeyEntry[] | null> {
  return readKeySetFile(file, ERRORS, sealing);
}
