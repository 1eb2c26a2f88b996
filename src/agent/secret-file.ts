// The agent's private files (vault, vault key, agent token): crypto/private-file.ts's rules.
import { writePrivateFile } from '../crypto/private-file.js';

export { isErrno, ensurePrivateDir, PRIVATE_FILE_MODE as FILE_MODE, PRIVATE_DIR_MODE as DIR_MODE } from '../crypto/private-file.js';

/** Writes `content` to `file` atomically, replacing what was there. */
export async function writeSecretFile(file: string, content: string | Uint8Array): Promise<void> {
  await writePrivateFile(file, content);
}
