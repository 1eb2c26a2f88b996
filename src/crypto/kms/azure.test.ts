// The Azure Key Vault backend against a recorded-contract fake (azure-key-vault.fake.ts): no
// Key Vault emulator is available here, so the fake checks the request shapes the REST
// reference documents and does real RSA-OAEP-256.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Identity } from '../../core/index.js';
import { SessionKeys, issueSessionToken, verifySessionToken } from '../../identity/sessions/index.js';
import { PayloadKeys, payloadKeyFile } from '../../workflow/runtime/temporal/payload-keys.js';
import { startAzureKeyVaultFake, type AzureKeyVaultFake } from './azure-key-vault.fake.js';
import { AzureEncryptionService } from './azure.js';
import type { KeySetSealing } from './envelope.js';
import { KeyEnvelopeInvalid, KeyEnvelopeUnwrapRefused, KeyEnvelopeWrongKey, KmsRefused } from './errors.js';

const CONTEXT = { 'lease:purpose': 'session-keys' };
const alice: Identity = { id: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['eng'], provider: 'local', provider_type: 'local' };

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-kms-azure-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fake(t: TestContext): Promise<AzureKeyVaultFake> {
  const f = await startAzureKeyVaultFake();
  t.after(() => f.close());
  f.createKey('lease-kek');
  f.createKey('other-kek');
  return f;
}

function service(f: AzureKeyVaultFake, keyPath = 'lease-kek', token: string | null = f.token): AzureEncryptionService {
  return new AzureEncryptionService(
    { provider: 'azure', key_id: `${f.vaultUrl}/keys/${keyPath}`, endpoint: f.endpoint, identity_endpoint: f.identityEndpoint, ...(token ? { token } : {}) },
    {},
  );
}

const sealing = (s: AzureEncryptionService, purpose: 'session-keys' | 'payload-keys' = 'session-keys'): KeySetSealing => ({ service: s, purpose });

describe('Azure Key Vault backend (recorded-contract fake)', () => {
  test('wraps with the current key version (RSA-OAEP-256) and unwraps with the version recorded', async (t) => {
    const f = await fake(t);
    const s = service(f);
    const dataKey = randomBytes(32);
    const wrapped = await s.wrap(dataKey, CONTEXT);
    assert.match(wrapped.keyId, new RegExp(`^${f.vaultUrl}/keys/lease-kek/[0-9a-f]{32}$`));
    assert.equal(wrapped.blob.length, 256, 'a 2048-bit RSA-OAEP blob');
    assert.deepEqual(Buffer.from(await s.unwrap(wrapped, CONTEXT)), dataKey);
    const version = wrapped.keyId.split('/').at(-1);
    assert.deepEqual(
      f.requests.map((r) => `${r.method} ${r.path} ${r.query['api-version']}`),
      ['GET /keys/lease-kek 7.4', `POST /keys/lease-kek/${version}/wrapkey 7.4`, `POST /keys/lease-kek/${version}/unwrapkey 7.4`],
    );
    assert.equal(f.requests[1]?.body?.alg, 'RSA-OAEP-256');
  });

  test('seals a session key set; a restart reads it after the key was rotated in the vault', async (t) => {
    const f = await fake(t);
    const dir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dir, { sealing: sealing(service(f)) });
    const { token } = await issueSessionToken(keys, alice, { now: Date.now() });
    const text = await readFile(keys.file, 'utf8');
    assert.doesNotMatch(text, /"k"\s*:|"[A-Za-z0-9_-]{43}"/);
    f.createKey('lease-kek'); // a new version becomes current; the old one still unwraps
    const restarted = await SessionKeys.load(dir, { sealing: sealing(service(f)) });
    assert.equal((await verifySessionToken(restarted, token, { now: Date.now() })).identity.id, 'alice');
  });

  test('gets its token from the managed identity endpoint once, when none is configured', async (t) => {
    const f = await fake(t);
    const s = service(f, 'lease-kek', null);
    await s.unwrap(await s.wrap(randomBytes(32), CONTEXT), CONTEXT);
    assert.equal(f.identityTokenRequests, 1);
  });

  test('refuses a file sealed with another key or another pinned version', async (t) => {
    const f = await fake(t);
    const dir = await mkdtemp(join(root, 'data-'));
    await SessionKeys.load(dir, { sealing: sealing(service(f, 'other-kek')) });
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service(f)) }), KeyEnvelopeWrongKey);
    const newer = f.createKey('other-kek');
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service(f, `other-kek/${newer}`)) }), KeyEnvelopeWrongKey);
  });

  test('refuses a disabled key version', async (t) => {
    const f = await fake(t);
    const dir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dir, { sealing: sealing(service(f)) });
    const { kms } = JSON.parse(await readFile(keys.file, 'utf8')) as { kms: { key_id: string } };
    f.disableVersion('lease-kek', kms.key_id.split('/').at(-1)!);
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service(f)) }), (err: unknown) => {
      assert.ok(err instanceof KeyEnvelopeUnwrapRefused && err.cause instanceof KmsRefused);
      assert.equal(err.cause.reason, 'KeyDisabled');
      return true;
    });
  });

  test('refuses a tampered wrapped key, and a relabelled purpose (bound by the envelope, RSA-OAEP has no context)', async (t) => {
    const f = await fake(t);
    const dir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dir, { sealing: sealing(service(f)) });
    const envelope = JSON.parse(await readFile(keys.file, 'utf8')) as Record<string, string>;
    const wrapped = Buffer.from(envelope.wrapped_key!, 'base64url');
    wrapped[100] = wrapped[100]! ^ 1;
    await writeFile(keys.file, JSON.stringify({ ...envelope, wrapped_key: wrapped.toString('base64url') }));
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service(f)) }), (err: unknown) => err instanceof KeyEnvelopeUnwrapRefused && /BadParameter/.test(err.message));

    await writeFile(payloadKeyFile(dir), JSON.stringify({ ...envelope, purpose: 'payload-keys' }), { mode: 0o600 });
    await assert.rejects(PayloadKeys.load(payloadKeyFile(dir), { sealing: sealing(service(f), 'payload-keys') }), KeyEnvelopeInvalid);
  });

  test('a missing or wrong token is refused without showing it', async (t) => {
    const f = await fake(t);
    const bad = `eyJ.wrong-${randomBytes(8).toString('hex')}`;
    await assert.rejects(service(f, 'lease-kek', bad).wrap(randomBytes(32), CONTEXT), (err: unknown) => {
      assert.ok(err instanceof KmsRefused && err.reason === 'Unauthorized');
      assert.ok(!err.message.includes(bad) && !err.message.includes(f.token));
      return true;
    });
  });
});
