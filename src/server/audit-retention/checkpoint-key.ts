// The audit checkpoint key: an Ed25519 key of the server's own, in `<data>/keys/audit-checkpoint.pem`
// (0600), created on first use. It signs the checkpoints of pruned logs and exported archives.
// Not a session key: session keys rotate and are revoked, and a checkpoint must stay verifiable
// as long as the log it starts.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { LeaseError } from '../../core/index.js';
import { readPrivateFile, writePrivateFile } from '../../crypto/index.js';

export function checkpointKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'audit-checkpoint.pem');
}

/** The key, created (once, even with processes racing) when the file does not exist yet. */
export async function loadCheckpointKey(dataDir: string): Promise<KeyObject> {
  const file = checkpointKeyFile(dataDir);
  const insecure = (mode: number) => new LeaseError('insecure_key_file', `${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`, { status: 500 });
  let pem = await readPrivateFile(file, insecure);
  if (pem === null) {
    const { privateKey } = generateKeyPairSync('ed25519');
    await writePrivateFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { exclusive: true });
    pem = (await readPrivateFile(file, insecure))!;
  }
  return createPrivateKey(pem);
}
