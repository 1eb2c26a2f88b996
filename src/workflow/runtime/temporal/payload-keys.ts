// The payload key file `<dataDir>/keys/payload.jwk`: a JWK Set of 256-bit symmetric keys that
// encrypt everything Lease sends to Temporal (codec.ts). Same format and file rules as the
// session keys (identity/sessions): mode 0600 in a 0700 directory, created once, atomically.
// The last unrevoked key encrypts; every key in the file decrypts, so rotation keeps old
// histories readable. Workers and servers that share a Temporal namespace share this file.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { LeaseError, newId, systemClock, toIso, type Clock } from '../../../core/index.js';

const KEY_BYTES = 32;

const keyEntrySchema = z.object({
  kty: z.literal('oct'),
  kid: z.string().min(1),
  k: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 256-bit key in base64url'),
  created_at: z.iso.datetime(),
  revoked: z.boolean().optional(),
});
const keyFileSchema = z.object({ keys: z.array(keyEntrySchema).min(1) });
type KeyEntry = z.infer<typeof keyEntrySchema>;

/** The key file is missing keys, not JSON, or readable by others. */
export class PayloadKeyFileInvalid extends LeaseError {
  constructor(file: string, problem: string) {
    super('payload_key_file_invalid', `payload key file ${file}: ${problem}`, { status: 500 });
  }
}

export function payloadKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'payload.jwk');
}

export interface PayloadKey {
  kid: string;
  key: Buffer;
}

export class PayloadKeys {
  private constructor(private readonly entries: readonly KeyEntry[]) {}

  /** Reads `file`, creating it with one new key when it does not exist (unless `create` is false). */
  static async load(file: string, options: { create?: boolean; clock?: Clock } = {}): Promise<PayloadKeys> {
    let entries = await readKeys(file);
    if (entries === null) {
      if (options.create === false) throw new PayloadKeyFileInvalid(file, 'does not exist');
      const clock = options.clock ?? systemClock;
      const created: KeyEntry = { kty: 'oct', kid: newId('pk', clock.now()), k: randomBytes(KEY_BYTES).toString('base64url'), created_at: toIso(clock.now()) };
      if (await createKeyFile(file, [created])) entries = [created];
      else entries = (await readKeys(file)) ?? [created]; // another process created it first: use theirs
    }
    if (!entries.some((e) => e.revoked !== true)) throw new PayloadKeyFileInvalid(file, 'every key is revoked');
    return new PayloadKeys(entries);
  }

  /** Keys given directly (tests, KMS-unwrapped keys). */
  static fromKeys(keys: PayloadKey[]): PayloadKeys {
    return new PayloadKeys(keys.map((k) => ({ kty: 'oct', kid: k.kid, k: k.key.toString('base64url'), created_at: new Date(0).toISOString() })));
  }

  /** The key new payloads are encrypted with. */
  current(): PayloadKey {
    const entry = this.entries.findLast((e) => e.revoked !== true)!;
    return { kid: entry.kid, key: Buffer.from(entry.k, 'base64url') };
  }

  /** Any key of the file, revoked ones included: a revoked key stops encrypting, not decrypting history. */
  keyFor(kid: string): Buffer | undefined {
    const entry = this.entries.find((e) => e.kid === kid);
    return entry ? Buffer.from(entry.k, 'base64url') : undefined;
  }
}

async function readKeys(file: string): Promise<KeyEntry[] | null> {
  let text: string;
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) throw new PayloadKeyFileInvalid(file, `mode ${(info.mode & 0o777).toString(8)} lets others read it; chmod 600`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PayloadKeyFileInvalid(file, 'not JSON');
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) throw new PayloadKeyFileInvalid(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data.keys;
}

/** Writes a new key file through a 0600 temp file; false when another process created it first. */
async function createKeyFile(file: string, entries: KeyEntry[]): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ keys: entries }, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp);
  }
}
