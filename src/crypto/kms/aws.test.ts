// The AWS KMS backend against moto, a real AWS API emulator (test/support/moto.ts): fails under
// CI=true when moto is missing, skips loudly elsewhere.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { Identity } from '../../core/index.js';
import { SessionKeys, issueSessionToken, verifySessionToken } from '../../identity/sessions/index.js';
import { PayloadKeys, payloadKeyFile } from '../../workflow/runtime/temporal/payload-keys.js';
import { startMoto, type MotoServer } from '../../../test/support/moto.js';
import { AwsEncryptionService } from './aws.js';
import { startAwsKmsErrorFake } from './aws-kms.fake.js';
import type { KeySetSealing } from './envelope.js';
import { KeyEnvelopeInvalid, KeyEnvelopeUnwrapRefused, KeyEnvelopeWrongKey, KmsRefused, KmsUnavailable } from './errors.js';

const alice: Identity = { id: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['eng'], provider: 'local', provider_type: 'local' };
const CONTEXT = { 'lease:purpose': 'session-keys' };

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-kms-aws-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface MotoKms {
  moto: MotoServer;
  /** A new symmetric KMS key; its ARN, and an alias naming it. */
  createKey(): Promise<{ arn: string; alias: string }>;
  service(keyId: string): AwsEncryptionService;
}

async function motoKms(t: TestContext): Promise<MotoKms | undefined> {
  const moto = await startMoto(t);
  if (!moto) return undefined;
  const admin = new KMSClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  t.after(() => admin.destroy());
  return {
    moto,
    async createKey() {
      const created = await admin.send(new CreateKeyCommand({ Description: 'lease test key' }));
      const arn = created.KeyMetadata!.Arn!;
      const alias = `alias/lease-${randomBytes(4).toString('hex')}`;
      await admin.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata!.KeyId! }));
      return { arn, alias };
    },
    service: (keyId) => new AwsEncryptionService({ provider: 'aws', key_id: keyId, region: moto.region, endpoint: moto.endpoint }, { credentials: moto.credentials }),
  };
}

const sealing = (service: AwsEncryptionService, purpose: 'session-keys' | 'payload-keys' = 'session-keys'): KeySetSealing => ({ service, purpose });
const dataDir = () => mkdtemp(join(root, 'data-'));

describe('AWS KMS backend (moto)', () => {
  test('seals a session key set with a KMS data key; a restart reads it and old sessions verify', async (t) => {
    const kms = await motoKms(t);
    if (!kms) return;
    const { arn, alias } = await kms.createKey();
    const dir = await dataDir();
    const keys = await SessionKeys.load(dir, { sealing: sealing(kms.service(alias)) });
    const { token } = await issueSessionToken(keys, alice, { now: Date.now() });

    const text = await readFile(keys.file, 'utf8');
    assert.doesNotMatch(text, /"k"\s*:/);
    assert.doesNotMatch(text, /"[A-Za-z0-9_-]{43}"/);
    const envelope = JSON.parse(text) as { kms: { provider: string; key_id: string } };
    assert.deepEqual(envelope.kms, { provider: 'aws', key_id: arn }, 'the envelope records the key ARN that wrapped it, not the alias');

    const restarted = await SessionKeys.load(dir, { sealing: sealing(kms.service(arn)) });
    assert.deepEqual(restarted.current(), keys.current());
    assert.equal((await verifySessionToken(restarted, token, { now: Date.now() })).identity.id, 'alice');
  });

  test('wraps with Encrypt and unwraps with Decrypt under the same encryption context', async (t) => {
    const kms = await motoKms(t);
    if (!kms) return;
    const service = kms.service((await kms.createKey()).arn);
    const dataKey = randomBytes(32);
    const wrapped = await service.wrap(dataKey, CONTEXT);
    assert.deepEqual(Buffer.from(await service.unwrap(wrapped, CONTEXT)), dataKey);
  });

  test('refuses to unwrap under another encryption context', async (t) => {
    const kms = await motoKms(t);
    if (!kms) return;
    const service = kms.service((await kms.createKey()).arn);
    const wrapped = await service.wrap(randomBytes(32), CONTEXT);
    await assert.rejects(service.unwrap(wrapped, { 'lease:purpose': 'payload-keys' }), (err: unknown) => err instanceof KmsRefused && err.reason === 'InvalidCiphertextException');

    // The same through a file: a session envelope relabelled as payload keys.
    const dir = await dataDir();
    const keys = await SessionKeys.load(dir, { sealing: sealing(service) });
    const envelope = JSON.parse(await readFile(keys.file, 'utf8')) as Record<string, unknown>;
    await writeFile(payloadKeyFile(dir), JSON.stringify({ ...envelope, purpose: 'payload-keys' }), { mode: 0o600 });
    await assert.rejects(PayloadKeys.load(payloadKeyFile(dir), { sealing: sealing(service, 'payload-keys') }), (err: unknown) => {
      assert.ok(err instanceof KeyEnvelopeUnwrapRefused);
      assert.match(err.message, /InvalidCiphertextException/);
      return true;
    });
  });

  test('refuses a tampered envelope: altered ciphertext, altered wrapped key', async (t) => {
    const kms = await motoKms(t);
    if (!kms) return;
    const service = kms.service((await kms.createKey()).arn);
    const dir = await dataDir();
    const keys = await SessionKeys.load(dir, { sealing: sealing(service) });
    const original = JSON.parse(await readFile(keys.file, 'utf8')) as Record<string, string>;
    const flip = (b64: string, at: number) => {
      const bytes = Buffer.from(b64, 'base64url');
      bytes[at] = bytes[at]! ^ 0x20;
      return bytes.toString('base64url');
    };

    await writeFile(keys.file, JSON.stringify({ ...original, ciphertext: flip(original.ciphertext!, 5) }));
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service) }), KeyEnvelopeInvalid);

    const wrapped = Buffer.from(original.wrapped_key!, 'base64url');
    await writeFile(keys.file, JSON.stringify({ ...original, wrapped_key: flip(original.wrapped_key!, wrapped.length - 3) }));
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(service) }), KeyEnvelopeUnwrapRefused);
  });

  test('refuses a file sealed with another KMS key', async (t) => {
    const kms = await motoKms(t);
    if (!kms) return;
    const sealedWith = await kms.createKey();
    const other = await kms.createKey();
    const dir = await dataDir();
    await SessionKeys.load(dir, { sealing: sealing(kms.service(sealedWith.arn)) });
    // A configured ARN is compared with the recorded one before calling KMS...
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(kms.service(other.arn)) }), (err: unknown) => {
      assert.ok(err instanceof KeyEnvelopeWrongKey);
      assert.ok(err.message.includes(sealedWith.arn) && err.message.includes(other.arn));
      return true;
    });
    // ...an alias cannot be, so KMS decides: Decrypt names the configured key and is refused
    // (IncorrectKeyException on AWS; moto answers AccessDeniedException).
    await assert.rejects(SessionKeys.load(dir, { sealing: sealing(kms.service(other.alias)) }), (err: unknown) => {
      assert.ok(err instanceof KeyEnvelopeUnwrapRefused);
      assert.ok(err.cause instanceof KmsRefused && ['IncorrectKeyException', 'AccessDeniedException'].includes(err.cause.reason), String(err.cause));
      return true;
    });
  });

  test('a disabled key is refused (recorded contract: moto does not enforce key state)', async (t) => {
    const fake = await startAwsKmsErrorFake({ type: 'DisabledException', message: 'arn:aws:kms:us-east-1:123456789012:key/k is disabled.' });
    t.after(() => fake.close());
    const service = new AwsEncryptionService(
      { provider: 'aws', key_id: 'arn:aws:kms:us-east-1:123456789012:key/k', region: 'us-east-1', endpoint: fake.endpoint },
      { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    );
    await assert.rejects(service.unwrap({ blob: randomBytes(64), keyId: service.keyId }, CONTEXT), (err: unknown) => err instanceof KmsRefused && err.reason === 'DisabledException');
    assert.deepEqual(fake.targets, ['TrentService.Decrypt'], 'a refusal is not retried');
  });

  test('an unreachable KMS is reported as unavailable', async () => {
    const fake = await startAwsKmsErrorFake({ type: 'x', message: 'x' });
    await fake.close(); // nothing listens on its port any more
    const service = new AwsEncryptionService(
      { provider: 'aws', key_id: 'alias/lease', region: 'us-east-1', endpoint: fake.endpoint },
      { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    );
    await assert.rejects(service.wrap(randomBytes(32), CONTEXT), (err: unknown) => err instanceof KmsUnavailable && err.code === 'kms_unavailable');
  });
});
