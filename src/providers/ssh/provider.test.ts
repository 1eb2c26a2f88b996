// The ssh provider as a CA, judged by OpenSSH's ssh-keygen: what a certificate says (-L) and
// what the KRL revokes (-Q). Logging in with the certificates is test/e2e/ssh-provider.test.ts.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Identity } from '../../core/index.js';
import { describeCertificate, krlRevokes, listKrl, makeKey, publicKeyOf, requireSshKeygen, tempDirFor } from '../../../test/support/ssh-keygen.js';
import type { ActiveLease, GrantRole } from '../provider.js';
import { sshConfigSchema } from './config.js';
import { CLOCK_SKEW_MS, SshAccessProvider } from './provider.js';

process.env.TZ = 'UTC'; // ssh-keygen -L prints validity in local time

const T0 = Date.parse('2030-01-01T10:00:00Z');
const HOUR = 3600_000;
const alice: Identity = { id: 'alice', groups: [], provider: 'local', provider_type: 'local' };
const role = (allow: string[], deny: string[] = []): GrantRole => ({ id: 'ops', name: 'Ops', permissions: { allow, deny }, resources: { allow: [], deny: [] }, nativeRoles: [] });
const iso = (ms: number) => new Date(ms).toISOString();
const sshTime = (ms: number) => iso(ms).slice(0, 19);

async function setUp(t: TestContext, config: Record<string, unknown> = {}, caType: 'ed25519' | 'ecdsa' = 'ed25519') {
  const dir = await tempDirFor(t);
  makeKey(dir, 'ca', caType);
  const userKey = makeKey(dir, 'id_ed25519');
  const clock = { now: T0 };
  const make = () => new SshAccessProvider('ssh-prod', sshConfigSchema.parse({ ca_key: 'ca', ...config }), { dataDir: join(dir, 'data'), configDir: dir }, { now: () => clock.now });
  const provider = make();
  const lease = (requestId: string, expiresAt = T0 + HOUR, allow = ['deploy', 'root']): ActiveLease => ({ requestId, identity: alice, role: role(allow), expiresAt: iso(expiresAt) });
  const grant = (l: ActiveLease) => provider.grant({ requestId: l.requestId, identity: l.identity, role: l.role, expiresAt: l.expiresAt });
  return { dir, clock, provider, make, lease, grant, publicKey: await publicKeyOf(userKey) };
}

test('a grant records the lease (principals, expiry, key id) and calls no host', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { provider, lease, grant } = await setUp(t);
  const record = await grant(lease('req_1'));
  assert.deepEqual(record, { provider: 'ssh-prod', requestId: 'req_1', data: { key_id: 'lease:req_1:local:alice', principals: ['deploy', 'root'], expires_at: iso(T0 + HOUR) } });
  assert.deepEqual(await provider.listActive(), [{ provider: 'ssh-prod', requestId: 'req_1', data: { key_id: 'lease:req_1:local:alice', principals: ['deploy', 'root'], expires_at: iso(T0 + HOUR), certificates: 0 } }]);
  assert.deepEqual(await grant(lease('req_1')), record, 'a second grant for the same request changes nothing');
});

test('a role that allows no principal, or something that is no login name, is refused at grant', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { lease, grant } = await setUp(t);
  await assert.rejects(grant(lease('req_1', T0 + HOUR, [])), { code: 'ssh_no_principals', status: 400 });
  await assert.rejects(grant(lease('req_1', T0 + HOUR, ['*'])), { code: 'ssh_invalid_principal', status: 400 });
  await assert.rejects(grant(lease('req_1', T0 + HOUR, ['ops,root'])), { code: 'ssh_invalid_principal' });
});

test('signs the public key: key id, a fresh serial, the role\'s principals, valid from a little before now to the lease expiry', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { dir, provider, lease, grant, publicKey } = await setUp(t);
  const l = lease('req_1', T0 + HOUR + 1234);
  const record = await grant(l);
  const signed = await provider.sshCertificate(record, l, publicKey);
  const facts = await describeCertificate(dir, signed.certificate);
  assert.equal(facts.type, 'ssh-ed25519-cert-v01@openssh.com user certificate');
  assert.equal(facts.keyId, 'lease:req_1:local:alice');
  assert.equal(facts.serial, signed.serial);
  assert.deepEqual(facts.principals, ['deploy', 'root']);
  assert.equal(facts.validFrom, sshTime(T0 - CLOCK_SKEW_MS));
  assert.equal(facts.validTo, sshTime(T0 + HOUR + 1000), 'never past the lease (whole seconds, rounded down)');
  assert.deepEqual(facts.criticalOptions, []);
  assert.deepEqual(facts.extensions, ['permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc']);
  assert.ok(facts.signingCa.includes(provider.ca.fingerprint), facts.signingCa);
  assert.deepEqual({ ...signed, certificate: undefined, serial: undefined }, {
    certificate: undefined,
    serial: undefined,
    keyId: 'lease:req_1:local:alice',
    principals: ['deploy', 'root'],
    validAfter: iso(T0 - CLOCK_SKEW_MS),
    validBefore: iso(T0 + HOUR + 1000),
    caFingerprint: provider.ca.fingerprint,
  });
  const again = await provider.sshCertificate(record, l, publicKey);
  assert.notEqual(again.serial, signed.serial, 'each certificate has its own serial');
  assert.equal((await provider.listActive())[0]?.data.certificates, 2, 'both serials are persisted');
});

test('max_validity caps a certificate, configured critical options and extensions are carried, an ECDSA CA signs too', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { dir, provider, lease, grant, publicKey } = await setUp(t, { max_validity: '15m', extensions: ['permit-pty'], critical_options: { 'source-address': ['127.0.0.1/32', '10.0.0.0/8'], 'force-command': '/usr/bin/id' } }, 'ecdsa');
  const l = lease('req_1');
  const facts = await describeCertificate(dir, (await provider.sshCertificate(await grant(l), l, publicKey)).certificate);
  assert.equal(facts.validTo, sshTime(T0 + 15 * 60_000));
  assert.deepEqual(facts.extensions, ['permit-pty']);
  assert.deepEqual(facts.criticalOptions, ['force-command /usr/bin/id', 'source-address 127.0.0.1/32,10.0.0.0/8']);
  assert.match(facts.signingCa, /^ECDSA /);
});

test('refuses what is not a usable public key: a private key, a certificate, junk, a weak RSA key', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { dir, provider, lease, grant, publicKey } = await setUp(t);
  const l = lease('req_1');
  const record = await grant(l);
  const refused = (text: string, code: string) => assert.rejects(provider.sshCertificate(record, l, text), { code, status: 400 });
  await refused(await readFile(join(dir, 'id_ed25519'), 'utf8'), 'ssh_invalid_public_key');
  await refused((await provider.sshCertificate(record, l, publicKey)).certificate, 'ssh_invalid_public_key');
  await refused('ssh-ed25519 not-base64', 'ssh_invalid_public_key');
  await refused('', 'ssh_invalid_public_key');
  const weak = join(dir, 'weak');
  const { run } = await import('../../../test/support/system.js');
  assert.equal(run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '1024', '-N', '', '-f', weak]).status, 0);
  await refused(await publicKeyOf(weak), 'ssh_unsupported_key_type');
});

test('an early revoke puts the lease\'s certificates in the KRL (rewritten at once); other leases stay valid', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { dir, provider, lease, grant, publicKey } = await setUp(t);
  const [one, two] = [lease('req_1'), lease('req_2')];
  const records = [await grant(one), await grant(two)];
  const certOne = (await provider.sshCertificate(records[0]!, one, publicKey)).certificate;
  const certTwo = (await provider.sshCertificate(records[1]!, two, publicKey)).certificate;
  const krl = provider.krlPath;
  assert.equal(krl, join(dir, 'data', 'ssh', 'ssh-prod.krl'));
  assert.equal(await krlRevokes(dir, krl, certOne), false, 'a KRL exists from the start, revoking nothing');
  await provider.revoke(records[0]!);
  assert.equal(await krlRevokes(dir, krl, certOne), true);
  assert.equal(await krlRevokes(dir, krl, certTwo), false);
  assert.equal((await stat(krl)).mode & 0o777, 0o644, 'the KRL holds no secret: hosts may read it');
  assert.deepEqual(Buffer.from(await provider.sshKrl()), await readFile(krl));
  assert.deepEqual((await provider.listActive()).map((g) => g.requestId), ['req_2']);
  await assert.rejects(provider.sshCertificate(records[0]!, one, publicKey), { code: 'ssh_lease_revoked', status: 409 });
  await assert.rejects(grant(one), { code: 'ssh_lease_revoked' });
  await provider.revoke(records[0]!); // again: what is gone stays gone
  await provider.revoke({ provider: 'ssh-prod', requestId: 'req_unknown', data: {} });
  assert.doesNotMatch(listKrl(krl), /req_unknown/);
});

test('the KRL lists serials; a key id only for a lease whose serials the CA lost track of', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { provider, lease, grant, publicKey } = await setUp(t);
  const l = lease('req_1');
  const record = await grant(l);
  const { serial } = await provider.sshCertificate(record, l, publicKey);
  await provider.revoke(record);
  const listing = listKrl(provider.krlPath);
  assert.match(listing, new RegExp(`^serial: ${serial}$`, 'm'));
  assert.doesNotMatch(listing, /^id: /m, 'no user name in a public KRL when the serials are known');
  // A record the state file does not know (the state was lost): only the key id can name its certificates.
  await provider.revoke({ provider: 'ssh-prod', requestId: 'req_lost', data: { key_id: 'lease:req_lost:local:alice', principals: ['root'], expires_at: iso(T0 + HOUR) } });
  assert.match(listKrl(provider.krlPath), /^id: lease:req_lost:local:alice$/m);
});

test('revoking an expired lease adds nothing: the certificate\'s validity already ended it', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { clock, provider, lease, grant, publicKey } = await setUp(t);
  const l = lease('req_1', T0 + 60_000);
  const record = await grant(l);
  await provider.sshCertificate(record, l, publicKey);
  clock.now = T0 + 61_000;
  assert.deepEqual(await provider.listActive(), [], 'an expired lease is not active');
  const before = listKrl(provider.krlPath);
  await provider.revoke(record);
  assert.equal(listKrl(provider.krlPath), before);
});

test('KRL entries are pruned once every certificate they name has expired', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { clock, provider, lease, grant, publicKey } = await setUp(t);
  const short = lease('req_short', T0 + 10 * 60_000);
  const long = lease('req_long', T0 + 2 * HOUR);
  for (const l of [short, long]) {
    const record = await grant(l);
    await provider.sshCertificate(record, l, publicKey);
    await provider.revoke(record);
  }
  const serials = () => (listKrl(provider.krlPath).match(/^serial: /gm) ?? []).length;
  const version = () => Number(/^# KRL version (\d+)$/m.exec(listKrl(provider.krlPath))?.[1]);
  assert.equal(serials(), 2);
  const v = version();
  clock.now = T0 + 10 * 60_000;
  await provider.listActive(); // any call prunes; the reconciler lists every few minutes
  assert.equal(serials(), 1);
  assert.ok(version() > v, 'a rewritten KRL has a higher version');
  clock.now = T0 + 2 * HOUR;
  await provider.listActive();
  assert.equal(serials(), 0);
});

test('after a restart the CA knows its leases and the KRL still revokes what was revoked', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { dir, provider, make, lease, grant, publicKey } = await setUp(t);
  const [gone, kept] = [lease('req_gone'), lease('req_kept')];
  const goneRecord = await grant(gone);
  const cert = (await provider.sshCertificate(goneRecord, gone, publicKey)).certificate;
  await grant(kept);
  await provider.revoke(goneRecord);
  const restarted = make();
  assert.deepEqual((await restarted.listActive()).map((g) => g.requestId), ['req_kept']);
  assert.equal(await krlRevokes(dir, restarted.krlPath, cert), true);
  assert.equal((await stat(restarted.statePath)).mode & 0o777, 0o600);
});

test('signing requests for one lease run one at a time: every serial is kept', async (t) => {
  if (!requireSshKeygen(t)) return;
  const { provider, lease, grant, publicKey } = await setUp(t);
  const l = lease('req_1');
  const record = await grant(l);
  const signed = await Promise.all(Array.from({ length: 20 }, () => provider.sshCertificate(record, l, publicKey)));
  assert.equal(new Set(signed.map((s) => s.serial)).size, 20);
  await provider.revoke(record);
  assert.equal((listKrl(provider.krlPath).match(/^serial: /gm) ?? []).length, 20);
});
