// Sealed key files, end to end through their users (session keys, Temporal payload keys), with
// the local backend; the cloud backends' own tests repeat the important cases against them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock, type Identity } from '../../core/index.js';
import { SessionKeyFileInsecure, SessionKeys, issueSessionToken, verifySessionToken } from '../../identity/sessions/index.js';
import { PayloadKeys, payloadKeyFile } from '../../workflow/runtime/temporal/payload-keys.js';
import { ENVELOPE_VERSION, type KeySetSealing } from './envelope.js';
import { KeyEnvelopeInvalid, KeyEnvelopeUnwrapRefused, KeyEnvelopeWrongKey } from './errors.js';
import { LocalEncryptionService } from './local.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const alice: Identity = { id: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['eng'], provider: 'local', provider_type: 'local' };

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-envelope-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function localService(): LocalEncryptionService {
  return new LocalEncryptionService(randomBytes(32), 'test key');
}

function sealing(service: LocalEncryptionService, purpose: 'session-keys' | 'payload-keys' = 'session-keys', onResealed?: (file: string) => void): KeySetSealing {
  return { service, purpose, ...(onResealed ? { onResealed } : {}) };
}

/** A sealed file holds no JWK `k` member and no 43-character base64url string (a raw 256-bit key). */
function assertNoRawKeys(text: string): void {
  assert.doesNotMatch(text, /"k"\s*:/);
  assert.doesNotMatch(text, /"[A-Za-z0-9_-]{43}"/);
}

const dataDir = () => mkdtemp(join(root, 'data-'));

describe('sealed key files', () => {
  test('seals a new session key file: no key material on disk, the backend and key recorded', async () => {
    const service = localService();
    const keys = await SessionKeys.load(await dataDir(), { sealing: sealing(service) });
    const text = await readFile(keys.file, 'utf8');
    assertNoRawKeys(text);
    assert.ok(!text.includes(Buffer.from(keys.current().key).toString('base64url')));
    const envelope = JSON.parse(text) as Record<string, unknown>;
    assert.equal(envelope.lease_envelope, ENVELOPE_VERSION);
    assert.equal(envelope.purpose, 'session-keys');
    assert.deepEqual(envelope.kms, { provider: 'local', key_id: service.keyId });
    assert.equal((await stat(keys.file)).mode & 0o777, 0o600);
  });

  test('a session issued before a restart still verifies after it', async () => {
    const service = localService();
    const dir = await dataDir();
    const before = await SessionKeys.load(dir, { sealing: sealing(service), clock: new ManualClock(NOW) });
    const { token } = await issueSessionToken(before, alice, { now: NOW });
    const restarted = await SessionKeys.load(dir, { sealing: sealing(service) });
    assert.deepEqual(restarted.current(), before.current());
    assert.equal((await verifySessionToken(restarted, token, { now: NOW + 1000 })).identity.id, 'alice');
  });

  test('rotation keeps the file sealed and every key readable', async () => {
    const service = localService();
    const dir = await dataDir();
    const keys = await SessionKeys.load(dir, { sealing: sealing(service) });
    const first = keys.current().kid;
    const second = await keys.rotate();
    assertNoRawKeys(await readFile(keys.file, 'utf8'));
    const reloaded = await SessionKeys.load(dir, { sealing: sealing(service) });
    assert.equal(reloaded.current().kid, second);
    assert.ok(reloaded.keyFor(first));
  });

  test('re-seals an existing plain key file when a KMS is configured (migration)', async () => {
    const dir = await dataDir();
    const plain = await SessionKeys.load(dir);
    assert.match(await readFile(plain.file, 'utf8'), /"k":/);
    const resealed: string[] = [];
    const sealed = await SessionKeys.load(dir, { sealing: sealing(localService(), 'session-keys', (file) => resealed.push(file)) });
    assert.deepEqual(resealed, [plain.file]);
    assert.deepEqual(sealed.current(), plain.current());
    assertNoRawKeys(await readFile(plain.file, 'utf8'));
  });

  test('refuses a sealed file when no KMS is configured, naming what sealed it', async () => {
    const service = localService();
    const dir = await dataDir();
    await SessionKeys.load(dir, { sealing: sealing(service) });
    await assert.rejects(SessionKeys.load(dir), (err: unknown) => {
      assert.ok(err instanceof KeyEnvelopeWrongKey);
      assert.equal(err.code, 'key_envelope_wrong_key');
      assert.match(err.message, new RegExp(`sealed with local key ${service.keyId}.*services.encryption is not configured`));
      return true;
    });
  });

  test('refuses a file sealed with another master key', async () => {
    const dir = await dataDir();
    await SessionKeys.load(dir, { sealing: sealing(localService()) });
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(localService()) }), KeyEnvelopeWrongKey);
  });

  test('refuses a tampered envelope', async () => {
    const service = localService();
    const dir = await dataDir();
    const keys = await SessionKeys.load(dir, { sealing: sealing(service) });
    const envelope = JSON.parse(await readFile(keys.file, 'utf8')) as { ciphertext: string };
    const bytes = Buffer.from(envelope.ciphertext, 'base64url');
    bytes[10] = bytes[10]! ^ 1;
    await writeFile(keys.file, JSON.stringify({ ...envelope, ciphertext: bytes.toString('base64url') }));
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service) }), (err: unknown) => err instanceof KeyEnvelopeInvalid && /altered/.test(err.message));
  });

  test('refuses an envelope that is not well-formed', async () => {
    const service = localService();
    const dir = await dataDir();
    const keys = await SessionKeys.load(dir, { sealing: sealing(service) });
    await writeFile(keys.file, JSON.stringify({ lease_envelope: 1, purpose: 'session-keys' }));
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service) }), (err: unknown) => err instanceof KeyEnvelopeInvalid && /kms/.test(err.message));
  });

  test('a payload key envelope copied over the session key file does not open', async () => {
    const service = localService();
    const dir = await dataDir();
    const session = await SessionKeys.load(dir, { sealing: sealing(service) });
    await PayloadKeys.load(payloadKeyFile(dir), { sealing: sealing(service, 'payload-keys') });
    await writeFile(session.file, await readFile(payloadKeyFile(dir)));
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service) }), (err: unknown) => err instanceof KeyEnvelopeInvalid && /holds payload-keys, not session-keys/.test(err.message));
  });

  test('editing the recorded purpose is caught by the encryption context', async () => {
    const service = localService();
    const dir = await dataDir();
    const session = await SessionKeys.load(dir, { sealing: sealing(service) });
    const envelope = JSON.parse(await readFile(session.file, 'utf8')) as Record<string, unknown>;
    await writeFile(payloadKeyFile(dir), JSON.stringify({ ...envelope, purpose: 'payload-keys' }));
    await chmod(payloadKeyFile(dir), 0o600);
    await assert.rejects(PayloadKeys.load(payloadKeyFile(dir), { sealing: sealing(service, 'payload-keys') }), KeyEnvelopeUnwrapRefused);
  });

  test('a sealed file others may read is refused like a plain one', async () => {
    const service = localService();
    const dir = await dataDir();
    const keys = await SessionKeys.load(dir, { sealing: sealing(service) });
    await chmod(keys.file, 0o644);
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service) }), SessionKeyFileInsecure);
  });

  test('seals the Temporal payload key file too', async () => {
    const service = localService();
    const file = payloadKeyFile(await dataDir());
    const created = await PayloadKeys.load(file, { sealing: sealing(service, 'payload-keys') });
    assertNoRawKeys(await readFile(file, 'utf8'));
    const reloaded = await PayloadKeys.load(file, { create: false, sealing: sealing(service, 'payload-keys') });
    assert.deepEqual(reloaded.current(), created.current());
  });
});
