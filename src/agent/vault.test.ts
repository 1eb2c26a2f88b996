import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionVaultKeyInsecure, SessionVaultUnreadable } from './errors.js';
import type { StoredSession } from './session.js';
import { LEGACY_FILE, VAULT_FILE, VAULT_KEY_FILE, VaultSessionStore } from './vault.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function home(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-vault-'));
  dirs.push(dir);
  return join(dir, 'home');
}

function session(server: string, email = 'ada@example.com'): StoredSession {
  return {
    server,
    provider: 'local',
    token: 'tok-SECRET-0123456789',
    expires_at: '2099-01-01T00:00:00.000Z',
    identity: { id: 'ada', email, name: 'Ada Lovelace', groups: ['analytical-engine'], provider: 'local' },
  };
}

/** Every base64-looking run decoded, beside the raw bytes, so encoded identity data shows up too. */
function readable(bytes: Buffer): string {
  const raw = bytes.toString('latin1');
  const decoded = (raw.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []).map((run) => Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'));
  return [raw, ...decoded].join('\n');
}

describe('session vault', () => {
  it('round-trips sessions, one per server, the latest login being current', async () => {
    const store = new VaultSessionStore(await home());
    await store.put(session('http://a.example:8080/'));
    await store.put(session('https://b.example', 'ada@b.example'));
    assert.equal((await store.get())?.server, 'https://b.example');
    assert.equal((await store.get('http://A.example:8080'))?.token, 'tok-SECRET-0123456789');
    assert.equal((await store.list()).length, 2);
    await store.remove('https://b.example');
    assert.equal((await store.get())?.server, 'http://a.example:8080');
    assert.equal(await store.get('https://b.example'), undefined);
  });

  it('lists sessions without their tokens', async () => {
    const store = new VaultSessionStore(await home());
    await store.put(session('http://a.example'));
    const [listed] = await store.list();
    assert.ok(listed);
    assert.equal('token' in listed, false);
  });

  it('writes files 0600 in a 0700 directory, with nothing readable in them', async () => {
    const dir = await home();
    const store = new VaultSessionStore(dir);
    await store.put(session('http://a.example:8080'));
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    for (const name of await readdir(dir)) {
      assert.equal((await stat(join(dir, name))).mode & 0o777, 0o600, name);
      const text = readable(await readFile(join(dir, name)));
      for (const secret of ['ada@example.com', 'Ada Lovelace', 'analytical-engine', 'a.example', 'tok-SECRET']) assert.ok(!text.includes(secret), `${name} reveals ${secret}`);
    }
  });

  it('leaves no temp file behind after a write', async () => {
    const dir = await home();
    const store = new VaultSessionStore(dir);
    for (let i = 0; i < 3; i++) await store.put(session(`http://s${i}.example`));
    assert.deepEqual((await readdir(dir)).sort(), [VAULT_FILE, VAULT_KEY_FILE].sort());
  });

  it('refuses a tampered vault with a clear error', async () => {
    const dir = await home();
    const store = new VaultSessionStore(dir);
    await store.put(session('http://a.example'));
    const bytes = await readFile(store.file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0x01, bytes.length - 1);
    await writeFile(store.file, bytes);
    await assert.rejects(store.get(), (err: unknown) => err instanceof SessionVaultUnreadable && /tampered with.*log in again/.test(err.message));
  });

  it('refuses a vault sealed under another key', async () => {
    const dir = await home();
    await new VaultSessionStore(dir).put(session('http://a.example'));
    const other = await home();
    await new VaultSessionStore(other).put(session('http://b.example'));
    await writeFile(join(dir, VAULT_KEY_FILE), await readFile(join(other, VAULT_KEY_FILE)));
    await assert.rejects(new VaultSessionStore(dir).list(), SessionVaultUnreadable);
  });

  it('refuses a key file others can read', async () => {
    const dir = await home();
    const store = new VaultSessionStore(dir);
    await store.put(session('http://a.example'));
    await chmod(store.keyFile, 0o644);
    await assert.rejects(store.get(), SessionVaultKeyInsecure);
  });

  it('migrates a plaintext sessions.json once: re-sealed, then deleted', async () => {
    const dir = await home();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const legacy = { current: 'http://a.example', sessions: { 'http://a.example': session('http://a.example') } };
    await writeFile(join(dir, LEGACY_FILE), JSON.stringify(legacy), { mode: 0o600 });
    const store = new VaultSessionStore(dir);
    assert.equal((await store.get())?.identity.email, 'ada@example.com');
    assert.equal(existsSync(join(dir, LEGACY_FILE)), false);
    assert.ok(!readable(await readFile(store.file)).includes('ada@example.com'));
    assert.equal((await new VaultSessionStore(dir).get('http://a.example'))?.token, 'tok-SECRET-0123456789');
  });
});
