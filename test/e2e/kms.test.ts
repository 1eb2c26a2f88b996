// The server with `services.encryption` on AWS KMS (moto, a real AWS API emulator): its session
// key file is sealed by KMS, holds no key material, and survives a restart — a session token
// issued before the restart still works after it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { startMoto } from '../support/moto.js';
import { leaseJson, runLease, startServer, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, loginAs } from './fixtures.js';

describe('server keys sealed by AWS KMS', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('keeps sessions valid across a restart, with no raw key material on disk', async (t) => {
    const moto = await startMoto(t);
    if (!moto) return;
    const admin = new KMSClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    cleanups.push(async () => admin.destroy());
    const created = await admin.send(new CreateKeyCommand({ Description: 'lease e2e' }));
    const alias = `alias/lease-e2e-${randomBytes(3).toString('hex')}`;
    await admin.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata!.KeyId! }));

    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    await writeFile(
      join(deployment.config, 'server.yaml'),
      `version: "1.0"
server:
  admins:
    groups: [ops]
services:
  encryption:
    provider: aws
    key_id: ${alias}
    region: ${moto.region}
    endpoint: ${moto.endpoint}
`,
    );
    // Credentials come from the standard chain: here, the environment.
    const env = { ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    let server: ServerProcess = await startServer({ config: deployment.config, data: deployment.data, env });
    cleanups.push(() => server.stop());
    await loginAs(deployment, server.url, 'alice');
    const alice = { LEASE_HOME: deployment.home('alice') };
    assert.ok((await leaseJson<unknown[]>(['roles', '--json'], alice)).length > 0);

    const keyFile = join(deployment.data, 'keys', 'session.jwk');
    const text = await readFile(keyFile, 'utf8');
    assert.doesNotMatch(text, /"k"\s*:/, 'no JWK key member');
    assert.doesNotMatch(text, /"[A-Za-z0-9_-]{43}"/, 'no base64url 256-bit value');
    const envelope = JSON.parse(text) as { purpose: string; kms: { provider: string; key_id: string } };
    assert.equal(envelope.purpose, 'session-keys');
    assert.deepEqual(envelope.kms, { provider: 'aws', key_id: created.KeyMetadata!.Arn });
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);

    // The same port: the stored session names the server's URL.
    await server.stop();
    server = await startServer({ config: deployment.config, data: deployment.data, env, port: Number(new URL(server.url).port) });
    const roles = await runLease(['roles', '--json'], { env: alice });
    assert.equal(roles.code, 0, `the session from before the restart works after it: ${roles.stderr}`);
    assert.equal(await readFile(keyFile, 'utf8'), text, 'the restart read the sealed file, it did not rewrite it');
    assert.doesNotMatch(server.output, /"k"\s*:|[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]/, 'no key or token in the server output');
  });

  it('refuses to start when the KMS key cannot unwrap the key file', async (t) => {
    const moto = await startMoto(t);
    if (!moto) return;
    const admin = new KMSClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    cleanups.push(async () => admin.destroy());
    const first = await admin.send(new CreateKeyCommand({}));
    const second = await admin.send(new CreateKeyCommand({}));
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    const useKey = (arn: string) =>
      writeFile(
        join(deployment.config, 'server.yaml'),
        `version: "1.0"\nservices:\n  encryption: { provider: aws, key_id: "${arn}", region: ${moto.region}, endpoint: "${moto.endpoint}" }\n`,
      );
    const env = { ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    await useKey(first.KeyMetadata!.Arn!);
    const server = await startServer({ config: deployment.config, data: deployment.data, env });
    await server.stop();
    await useKey(second.KeyMetadata!.Arn!);
    await assert.rejects(startServer({ config: deployment.config, data: deployment.data, env }), /sealed with aws key .* not with the configured AWS KMS key/);
  });
});
