// The session vault: `$LEASE_HOME/sessions.vault`, every session sealed with AES-256-GCM under
// a key in `$LEASE_HOME/vault.key` (0600; the OS keychain is not used yet, see README). The
// file holds a magic, the nonce, the tag and the ciphertext: nothing readable, so a copied
// file without the key reveals neither tokens nor who the user is. GCM's tag makes any change
// (or a different key) a refusal, never a half-trusted read. The CLI and the agent share it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SessionVaultKeyInsecure, SessionVaultKeyInvalid, SessionVaultUnreadable } from './errors.js';
import { writePrivateFile } from '../crypto/private-file.js';
import { isErrno, writeSecretFile } from './secret-file.js';
import { normaliseServer, storedSessionSchema, summarise, type SessionStore, type SessionSummary, type StoredSession } from './session.js';

export const VAULT_FILE = 'sessions.vault';
export const VAULT_KEY_FILE = 'vault.key';
/** The plaintext store of Lease ≤ 0.1, migrated on first read. */
export const LEGACY_FILE = 'sessions.json';

const MAGIC = Buffer.from('LSVAULT1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

const contentSchema = z.object({ current: z.string().nullable(), sessions: z.record(z.string(), storedSessionSchema) });
type VaultContent = z.infer<typeof contentSchema>;
const empty = (): VaultContent => ({ current: null, sessions: {} });

/** Seals `plaintext` under `key`; the magic is authenticated too. */
export function seal(key: Buffer, plaintext: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([MAGIC, nonce, cipher.getAuthTag(), body]);
}

/** Opens what `seal` produced; throws when anything was changed or the key differs. */
export function unseal(key: Buffer, sealed: Buffer): Buffer {
  const head = MAGIC.length + NONCE_BYTES + TAG_BYTES;
  if (sealed.length < head || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a Lease session vault');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(MAGIC.length, MAGIC.length + NONCE_BYTES));
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(sealed.subarray(MAGIC.length + NONCE_BYTES, head));
  return Buffer.concat([decipher.update(sealed.subarray(head)), decipher.final()]);
}

export class VaultSessionStore implements SessionStore {
  readonly file: string;
  readonly keyFile: string;
  private readonly legacyFile: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, VAULT_FILE);
    this.keyFile = join(dir, VAULT_KEY_FILE);
    this.legacyFile = join(dir, LEGACY_FILE);
  }

  async get(server?: string): Promise<StoredSession | undefined> {
    const data = await this.read();
    const key = server ? normaliseServer(server) : data.current;
    return key ? data.sessions[key] : undefined;
  }

  async put(session: StoredSession): Promise<void> {
    const data = await this.read();
    const key = normaliseServer(session.server);
    data.sessions[key] = { ...session, server: key };
    data.current = key;
    await this.write(data);
  }

  async remove(server: string): Promise<void> {
    const data = await this.read();
    const key = normaliseServer(server);
    delete data.sessions[key];
    if (data.current === key) data.current = Object.keys(data.sessions)[0] ?? null;
    await this.write(data);
  }

  async list(): Promise<SessionSummary[]> {
    return Object.values((await this.read()).sessions).map(summarise);
  }

  /** Checks that the vault opens (creating the key if needed); the agent calls it at start. */
  async check(): Promise<void> {
    await this.read();
  }

  private async read(): Promise<VaultContent> {
    let sealed: Buffer | undefined;
    try {
      sealed = await readFile(this.file);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    let data = empty();
    if (sealed) {
      const key = await this.key({ create: false });
      if (!key) throw new SessionVaultUnreadable(this.file, `its key ${this.keyFile} is missing`);
      let plaintext: Buffer;
      try {
        plaintext = unseal(key, sealed);
      } catch (err) {
        throw new SessionVaultUnreadable(this.file, (err as Error).message === 'not a Lease session vault' ? 'not a Lease session vault' : 'authentication failed');
      }
      const parsed = contentSchema.safeParse(JSON.parse(plaintext.toString('utf8')));
      if (!parsed.success) throw new SessionVaultUnreadable(this.file, 'unexpected content');
      data = parsed.data;
    }
    return this.migrate(data);
  }

  /** Folds the old plaintext `sessions.json` in (the vault wins on conflicts), then deletes it. */
  private async migrate(data: VaultContent): Promise<VaultContent> {
    let text: string;
    try {
      text = await readFile(this.legacyFile, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return data;
      throw err;
    }
    let legacy: VaultContent = empty();
    try {
      const parsed = contentSchema.safeParse(JSON.parse(text));
      if (parsed.success) legacy = parsed.data;
    } catch {
      // A damaged plaintext file holds nothing worth keeping; it is deleted all the same.
    }
    const merged: VaultContent = { current: data.current ?? legacy.current, sessions: { ...legacy.sessions, ...data.sessions } };
    await this.write(merged);
    await unlink(this.legacyFile).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
    return merged;
  }

  private async write(data: VaultContent): Promise<void> {
    const key = (await this.key({ create: true })) as Buffer;
    await writeSecretFile(this.file, seal(key, Buffer.from(JSON.stringify(data), 'utf8')));
  }

  /** The vault key, created once (exclusively, so two racing processes agree on one key). */
  private async key(options: { create: boolean }): Promise<Buffer | undefined> {
    for (;;) {
      try {
        const info = await stat(this.keyFile);
        if ((info.mode & 0o077) !== 0) throw new SessionVaultKeyInsecure(this.keyFile, info.mode & 0o777);
        const key = Buffer.from((await readFile(this.keyFile, 'utf8')).trim(), 'base64url');
        if (key.length !== KEY_BYTES) throw new SessionVaultKeyInvalid(this.keyFile);
        return key;
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
      if (!options.create) return undefined;
      // When another process created the key first, the next turn of the loop reads theirs.
      await writePrivateFile(this.keyFile, `${randomBytes(KEY_BYTES).toString('base64url')}\n`, { exclusive: true });
    }
  }
}
