// The GCP Cloud KMS backend against a recorded-contract fake (gcp-kms.fake.ts): no Cloud KMS
// emulator exists, so the fake checks the request shapes the REST reference documents.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Identity } from '../../core/index.js';
import { SessionKeys, issueSessionToken, verifySessionToken } from '../../identity/sessions/index.js';
import { crc32c } from './crc32c.js';
import type { KeySetSealing } from './envelope.js';
import { KeyEnvelopeInvalid, KeyEnvelopeUnwrapRefused, KeyEnvelopeWrongKey, KmsRefused, KmsUnavailable } from './errors.js';
import { startGcpKmsFake, type GcpKmsFake } from './gcp-kms.fake.js';
import { GcpEncryptionService } from './gcp.js';

const KEY = 'projects/lease-test/locations/global/keyRings/lease/cryptoKeys/session-kek';
const OTHER = 'projects/lease-test/locations/global/keyRings/lease/cryptoKeys/other-kek';
const CONTEXT = { 'lease:purpose': 'session-keys' };
const alice: Identity = { id: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['eng'], provider: 'local', provider_type: 'local' };

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-kms-gcp-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fake(t: TestContext): Promise<GcpKmsFake> {
  const f = await startGcpKmsFake();
  t.after(() => f.close());
  f.createKey(KEY);
  f.createKey(OTHER);
  return f;
}

function service(f: GcpKmsFake, keyId = KEY, token: string | null = f.token): GcpEncryptionService {
  return new GcpEncryptionService({ provider: 'gcp', key_id: keyId, endpoint: f.endpoint, metadata_url: f.metadataUrl, ...(token ? { token } : {}) }, {});
}

const sealing = (s: GcpEncryptionService): KeySetSealing => ({ service: s, purpose: 'session-keys' });

describe('GCP Cloud KMS backend (recorded-contract fake)', () => {
  test('computes CRC32C as Cloud KMS does', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });

  test('wraps with :encrypt and unwraps with :decrypt, context as additionalAuthenticatedData, checksums both ways', async (t) => {
    const f = await fake(t);
    const s = service(f);
    const dataKey = randomBytes(32);
    const wrapped = await s.wrap(dataKey, CONTEXT);
    assert.equal(wrapped.keyId, `${KEY}/cryptoKeyVersions/1`);
    assert.deepEqual(Buffer.from(await s.unwrap(wrapped, CONTEXT)), dataKey);
    const [encrypt, decrypt] = f.requests;
    assert.equal(encrypt?.path, `/v1/${KEY}:encrypt`);
    assert.deepEqual(Object.keys(encrypt?.body ?? {}).sort(), ['additionalAuthenticatedData', 'additionalAuthenticatedDataCrc32c', 'plaintext', 'plaintextCrc32c']);
    assert.equal(decrypt?.path, `/v1/${KEY}:decrypt`);
  });

  test('seals a session key set; a restart reads it and old sessions verify', async (t) => {
    const f = await fake(t);
    const dir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dir, { sealing: sealing(service(f)) });
    const { token } = await issueSessionToken(keys, alice, { now: Date.now() });
    const text = await readFile(keys.file, 'utf8');
    assert.doesNotMatch(text, /"k"\s*:|"[A-Za-z0-9_-]{43}"/);
    assert.deepEqual((JSON.parse(text) as { kms: unknown }).kms, { provider: 'gcp', key_id: `${KEY}/cryptoKeyVersions/1` });
    f.rotate(KEY); // a new primary version still decrypts what the old one encrypted
    const restarted = await SessionKeys.load(dir, { sealing: sealing(service(f)) });
    assert.equal((await verifySessionToken(restarted, token, { now: Date.now() })).identity.id, 'alice');
  });

  test('gets its token from the metadata server once, when none is configured', async (t) => {
    const f = await fake(t);
    const s = service(f, KEY, null);
    const wrapped = await s.wrap(randomBytes(32), CONTEXT);
    await s.unwrap(wrapped, CONTEXT);
    assert.equal(f.metadataTokenRequests, 1);
  });

  test('refuses another encryption context', async (t) => {
    const f = await fake(t);
    const s = service(f);
    const wrapped = await s.wrap(randomBytes(32), CONTEXT);
    await assert.rejects(s.unwrap(wrapped, { 'lease:purpose': 'payload-keys' }), (err: unknown) => err instanceof KmsRefused && err.reason === 'INVALID_ARGUMENT');
  });

  test('refuses a file sealed with another key, and another key\'s ciphertext', async (t) => {
    const f = await fake(t);
    const dir = await mkdtemp(join(root, 'data-'));
    await SessionKeys.load(dir, { sealing: sealing(service(f, OTHER)) });
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service(f)) }), KeyEnvelopeWrongKey);
    const wrapped = await service(f, OTHER).wrap(randomBytes(32), CONTEXT);
    await assert.rejects(service(f).unwrap({ ...wrapped, keyId: KEY }, CONTEXT), (err: unknown) => err instanceof KmsRefused && /ciphertext is invalid/.test(err.message));
  });

  test('refuses a disabled key version and a tampered envelope', async (t) => {
    const f = await fake(t);
    const dir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dir, { sealing: sealing(service(f)) });
    const original = await readFile(keys.file, 'utf8');
    const envelope = JSON.parse(original) as Record<string, string>;
    const tag = Buffer.from(envelope.tag!, 'base64url');
    tag[0] = tag[0]! ^ 1;
    await writeFile(keys.file, JSON.stringify({ ...envelope, tag: tag.toString('base64url') }));
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service(f)) }), KeyEnvelopeInvalid);

    await writeFile(keys.file, original);
    f.disableVersion(KEY, 1);
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service(f)) }), (err: unknown) => {
      assert.ok(err instanceof KeyEnvelopeUnwrapRefused);
      assert.match(err.message, /FAILED_PRECONDITION.*not enabled/);
      return true;
    });
  });

  test('a bad token is refused without showing it; a 503 is unavailability', async (t) => {
    const f = await fake(t);
    const bad = `ya29.wrong-${randomBytes(8).toString('hex')}`;
    await assert.rejects(service(f, KEY, bad).wrap(randomBytes(32), CONTEXT), (err: unknown) => {
      assert.ok(err instanceof KmsRefused && err.reason === 'UNAUTHENTICATED');
      assert.ok(!err.message.includes(bad) && !err.message.includes(f.token));
      return true;
    });
    f.failNext(503);
    await assert.rejects(service(f).wrap(randomBytes(32), CONTEXT), KmsUnavailable);
  });
});
