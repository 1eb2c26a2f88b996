// A CA key sealed with services.encryption (`lease keys seal-file`), opened at start with the
// server's encryption service (ProviderDeps.sealedFiles): sealed by the real CLI with the local
// backend and with AWS KMS on moto, then judged by ssh-keygen -L (the certificate names the CA).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { openEncryptionService, sealFile, sealedFileOpener, type EncryptionService } from '../../crypto/index.js';
import { LocalEncryptionService } from '../../crypto/kms/local.js';
import type { Identity } from '../../core/index.js';
import { startMoto } from '../../../test/support/moto.js';
import { describeCertificate, makeKey, publicKeyOf, requireSshKeygen, tempDirFor } from '../../../test/support/ssh-keygen.js';
import type { ProviderInstance } from '../provider.js';
import { ProviderRegistry } from '../registry.js';
import { SEALED_CA_KEY_PURPOSE } from './ca-key.js';
import { sshConfigSchema } from './config.js';
import { sshProviderFactory } from './provider.js';

process.env.TZ = 'UTC';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const alice: Identity = { id: 'alice', groups: [], provider: 'local', provider_type: 'local' };

/** `lease keys seal-file`, the real CLI (from source). */
function leaseCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

async function localBackend(dir: string): Promise<{ config: string }> {
  const keyFile = join(dir, 'master.key');
  await writeFile(keyFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  const config = join(dir, 'config');
  execFileSync('mkdir', ['-p', config]);
  await writeFile(join(config, 'server.yaml'), `version: "1.0"\nservices:\n  encryption: { provider: local, key_file: ${keyFile} }\n`);
  return { config };
}

function open(dir: string, sealed: ReturnType<typeof sealedFileOpener> | undefined, caKey = 'ca.sealed'): Promise<ProviderInstance> {
  return sshProviderFactory.open!({
    id: 'ssh-prod',
    name: 'SSH',
    enabled: true,
    config: sshConfigSchema.parse({ ca_key: caKey }),
    deps: { dataDir: join(dir, 'data'), configDir: dir, ...(sealed ? { sealedFiles: sealed } : {}) },
  });
}

/** The provider signs a user certificate with the sealed CA key; ssh-keygen -L names the clear key's fingerprint. */
async function assertSignsWithCa(dir: string, instance: ProviderInstance): Promise<void> {
  const access = instance.access!;
  const caFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'ca.pub')], { encoding: 'utf8' }).split(' ')[1]!;
  assert.equal(access.sshCaPublicKey?.().split(' ').slice(0, 2).join(' '), (await readFile(join(dir, 'ca.pub'), 'utf8')).split(' ').slice(0, 2).join(' '));
  const expiresAt = new Date(Date.now() + 3600_000).toISOString();
  const role = { id: 'ops', name: 'Ops', permissions: { allow: ['deploy'], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: [] };
  const record = await access.grant({ requestId: 'req_1', identity: alice, role, expiresAt });
  const signed = await access.sshCertificate!(record, { requestId: 'req_1', identity: alice, role, expiresAt }, await publicKeyOf(makeKey(dir, 'id_user')));
  const facts = await describeCertificate(dir, signed.certificate);
  assert.deepEqual(facts.principals, ['deploy']);
  assert.ok(facts.signingCa.includes(caFingerprint), `${facts.signingCa} is signed by ${caFingerprint}`);
  assert.equal(signed.caFingerprint, caFingerprint);
}

async function assertSealed(dir: string, sealedFile: string): Promise<void> {
  const text = await readFile(sealedFile, 'utf8');
  const clear = await readFile(join(dir, 'ca'), 'utf8');
  const body = clear.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  assert.ok(!text.includes('OPENSSH PRIVATE KEY') && !text.includes(body.slice(0, 40)), 'the sealed file holds no clear key');
  assert.equal(JSON.parse(text).purpose, SEALED_CA_KEY_PURPOSE);
  assert.equal((await stat(sealedFile)).mode & 0o777, 0o600);
}

test('lease keys seal-file seals the CA key with the local backend; the provider opens it and signs with it', async (t) => {
  if (!requireSshKeygen(t)) return;
  const dir = await tempDirFor(t);
  makeKey(dir, 'ca');
  const { config } = await localBackend(dir);
  const sealedFile = join(dir, 'ca.sealed');
  const sealed = leaseCli(['keys', 'seal-file', '--config', config, '--in', join(dir, 'ca'), '--out', sealedFile]);
  assert.equal(sealed.status, 0, sealed.stderr);
  assert.match(sealed.stdout, /sealed .* with local master key/);
  await assertSealed(dir, sealedFile);
  const again = leaseCli(['keys', 'seal-file', '--config', config, '--in', join(dir, 'ca'), '--out', sealedFile]);
  assert.equal(again.status, 2, 'an existing sealed file is not replaced without --force');
  assert.match(again.stderr, /exists: pass --force/);

  // The server's encryption service, from the same config section.
  const service = (await openEncryptionService({ provider: 'local', key_file: join(dir, 'master.key') }))!;
  const instance = await open(dir, sealedFileOpener(service));
  await assertSignsWithCa(dir, instance);
  // Readable by others: ciphertext, so accepted (a clear key would be refused).
  await chmod(sealedFile, 0o644);
  await open(dir, sealedFileOpener(service));
});

test('a sealed CA key without services.encryption, with another key, or sealed for another purpose is a config error naming file and path', async (t) => {
  if (!requireSshKeygen(t)) return;
  const dir = await tempDirFor(t);
  makeKey(dir, 'ca');
  const service = await LocalEncryptionService.open({ provider: 'local', key_env: 'K' }, { K: randomBytes(32).toString('base64url') });
  const other = await LocalEncryptionService.open({ provider: 'local', key_env: 'K' }, { K: randomBytes(32).toString('base64url') });
  const clear = await readFile(join(dir, 'ca'));
  await writeFile(join(dir, 'ca.sealed'), JSON.stringify(await sealFile(clear, { service, purpose: SEALED_CA_KEY_PURPOSE })), { mode: 0o600 });
  await writeFile(join(dir, 'other.sealed'), JSON.stringify(await sealFile(clear, { service, purpose: 'session-keys' })), { mode: 0o600 });
  const file = join(dir, 'ca.sealed');
  const field = 'providers.ssh-prod.config.ca_key';

  await assert.rejects(open(dir, undefined), (err: Error & { field?: string }) => {
    assert.equal(err.field, field);
    assert.ok(err.message.includes(file) && /sealed .* services\.encryption is not configured/.test(err.message), err.message);
    return true;
  });
  await assert.rejects(open(dir, sealedFileOpener(other)), (err: Error & { field?: string }) => {
    assert.equal(err.field, field);
    assert.ok(err.message.includes(file) && /not with the configured local master key/.test(err.message), err.message);
    return true;
  });
  await assert.rejects(open(dir, sealedFileOpener(service), 'other.sealed'), (err: Error & { field?: string }) => {
    assert.equal(err.field, field);
    assert.match(err.message, /holds session-keys, not ssh-ca-key/);
    return true;
  });
  // The synchronous path (no encryption service at hand) says the key is sealed, not that it is malformed.
  assert.throws(() => sshProviderFactory.create({ id: 'ssh-prod', name: 'SSH', enabled: true, config: sshConfigSchema.parse({ ca_key: 'ca.sealed' }), deps: { dataDir: join(dir, 'data'), configDir: dir } }), /sealed/);
  // A plain key still opens on the asynchronous path, with or without a service.
  await assertSignsWithCa(dir, await open(dir, undefined, 'ca'));
});

test('with AWS KMS (moto): lease keys seal-file seals the CA key, the provider opens it with KMS and signs', async (t) => {
  if (!requireSshKeygen(t)) return;
  const moto = await startMoto(t);
  if (!moto) return;
  const dir = await tempDirFor(t);
  makeKey(dir, 'ca');
  const admin = new KMSClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  t.after(() => admin.destroy());
  const arn = (await admin.send(new CreateKeyCommand({ Description: 'lease ssh ca test' }))).KeyMetadata!.Arn!;
  const section = { provider: 'aws', key_id: arn, region: moto.region, endpoint: moto.endpoint };
  await writeFile(join(dir, 'server.yaml'), `version: "1.0"\nservices:\n  encryption: ${JSON.stringify(section)}\n`);
  const sealedFile = join(dir, 'ca.sealed');
  const sealed = leaseCli(['keys', 'seal-file', '--config', join(dir, 'server.yaml'), '--in', join(dir, 'ca'), '--out', sealedFile], { ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  assert.equal(sealed.status, 0, sealed.stderr);
  await assertSealed(dir, sealedFile);
  assert.equal(JSON.parse(await readFile(sealedFile, 'utf8')).kms.provider, 'aws');
  const { AwsEncryptionService } = await import('../../crypto/kms/aws.js');
  const service: EncryptionService = new AwsEncryptionService({ provider: 'aws', key_id: arn, region: moto.region, endpoint: moto.endpoint }, { credentials: moto.credentials });
  await assertSignsWithCa(dir, await open(dir, sealedFileOpener(service)));
});

test('the registry opens ssh providers with open(): the sealed key is read with deps.sealedFiles', async (t) => {
  if (!requireSshKeygen(t)) return;
  const dir = await tempDirFor(t);
  makeKey(dir, 'ca');
  const service = await LocalEncryptionService.open({ provider: 'local', key_env: 'K' }, { K: randomBytes(32).toString('base64url') });
  await writeFile(join(dir, 'ca.sealed'), JSON.stringify(await sealFile(await readFile(join(dir, 'ca')), { service, purpose: SEALED_CA_KEY_PURPOSE })), { mode: 0o600 });
  const registry = new ProviderRegistry().register(sshProviderFactory);
  const entry = { id: 'ssh-prod', name: 'SSH', provider: 'ssh', enabled: true, config: { ca_key: 'ca.sealed' }, configDir: dir };
  const providers = await registry.create([entry], { dataDir: join(dir, 'data'), sealedFiles: sealedFileOpener(service) });
  await assertSignsWithCa(dir, providers.get('ssh-prod')!);
  await assert.rejects(registry.create([entry], { dataDir: join(dir, 'data2') }), { field: 'providers.ssh-prod.config.ca_key' });
});
