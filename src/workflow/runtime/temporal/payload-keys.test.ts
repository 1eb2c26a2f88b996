import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../core/index.js';
import { EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionFailed } from './codec.js';
import { PayloadKeys } from './payload-keys.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"reason":"INC-1"}') };

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-payload-keys-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('payload keys shared by several processes', () => {
  test('a payload encrypted with a key another process added decrypts here; a revoked key stops encrypting but still decrypts', async () => {
    const file = join(await mkdtemp(join(root, 'k-')), 'payload.jwk');
    const clock = new ManualClock(NOW);
    const server = await PayloadKeys.load(file);
    const worker = await PayloadKeys.load(file, { create: false, clock });
    const oldKid = server.current().kid;
    const newKid = await server.rotate();
    const [encrypted] = await new EncryptionCodec(server).encode([payload]);
    assert.equal(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString(), newKid);
    const [decrypted] = await new EncryptionCodec(worker).decode([encrypted!]);
    assert.equal(Buffer.from(decrypted!.data!).toString(), '{"reason":"INC-1"}');
    await server.revoke(newKid);
    clock.advance(10_001);
    const [again] = await new EncryptionCodec(worker).encode([payload]);
    assert.notEqual(Buffer.from(again!.metadata![KEY_ID_METADATA]!).toString(), newKid, 'the revoked key no longer encrypts');
    assert.ok(worker.list().some((k) => k.kid === oldKid));
    const [stillReadable] = await new EncryptionCodec(worker).decode([encrypted!]);
    assert.equal(Buffer.from(stillReadable!.data!).toString(), '{"reason":"INC-1"}');
  });

  test('a key id nobody has is refused', async () => {
    const file = join(await mkdtemp(join(root, 'k-')), 'payload.jwk');
    const other = join(await mkdtemp(join(root, 'k-')), 'payload.jwk');
    const [encrypted] = await new EncryptionCodec(await PayloadKeys.load(other)).encode([payload]);
    await assert.rejects(new EncryptionCodec(await PayloadKeys.load(file)).decode([encrypted!]), PayloadDecryptionFailed);
  });
});
