// services.temporal as the SDK gets it: Thand's client-certificate keys, and the config rule for
// relative paths (files Lease reads: from the config file's directory; files it writes: under
// the data directory).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidInput } from '../../../core/index.js';
import { temporalSettings } from './config.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

describe('temporalSettings', () => {
  let root: string;
  let bases: { configDir: string; dataDir: string };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'lease-temporal-config-'));
    bases = { configDir: join(root, 'config'), dataDir: join(root, 'data') };
    await writeFile(join(root, 'client.pem'), CERT);
    await writeFile(join(root, 'client.key'), KEY);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("reads Thand's host, port and namespace, defaulting like Thand to localhost:7233", async () => {
    assert.deepEqual(await temporalSettings({ host: 't.internal', port: 7234, namespace: 'prod' }, bases), { address: 't.internal:7234', namespace: 'prod', taskQueue: 'lease' });
    assert.equal((await temporalSettings({}, bases)).address, 'localhost:7233');
  });

  it('turns mtls_cert and mtls_key (PEM text) into a client certificate', async () => {
    const s = await temporalSettings({ host: 'h', mtls_cert: CERT, mtls_key: KEY }, bases);
    assert.deepEqual(s.tls, { clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } });
  });

  it('reads mtls_cert_file (or its older name mtls_cert_path) and mtls_key_file relative to the config file directory', async () => {
    for (const certKey of ['mtls_cert_file', 'mtls_cert_path']) {
      const s = await temporalSettings({ host: 'h', [certKey]: '../client.pem', mtls_key_file: '../client.key' }, bases);
      assert.deepEqual(s.tls, { clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } }, certKey);
    }
  });

  it('keeps tls settings beside a Thand client certificate', async () => {
    const s = await temporalSettings({ host: 'h', tls: { server_name: 'temporal.example.com', ca_file: '../client.pem' }, mtls_cert: CERT, mtls_key: KEY }, bases);
    assert.deepEqual(s.tls, { serverNameOverride: 'temporal.example.com', serverRootCACertificate: Buffer.from(CERT), clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } });
  });

  it('puts a relative payload_key_file under the data directory', async () => {
    assert.equal((await temporalSettings({ host: 'h', payload_key_file: 'keys/other.jwk' }, bases)).payloadKeyFile, join(root, 'data', 'keys', 'other.jwk'));
  });

  it('names the field and the resolved path of a file it cannot read', async () => {
    await assert.rejects(temporalSettings({ host: 'h', mtls_cert_file: 'missing.pem', mtls_key_file: '../client.key' }, bases), (err: unknown) => {
      assert.ok(err instanceof InvalidInput);
      assert.equal(err.field, 'services.temporal.mtls_cert_file');
      assert.match(err.message, new RegExp(`cannot read ${join(root, 'config', 'missing.pem').replace(/[.]/g, '\\.')}: no such file`));
      return true;
    });
  });

  it('refuses what the loader refuses, naming the path', async () => {
    await assert.rejects(temporalSettings({ host: 'h', mtls_vault: { mtls_vault_name: 'key' } }, bases), (err: unknown) => err instanceof InvalidInput && err.field === 'services.temporal.mtls_vault');
  });
});
