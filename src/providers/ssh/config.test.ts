import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeKey, requireSshKeygen, tempDirFor } from '../../../test/support/ssh-keygen.js';
import { ProviderConfigInvalid } from '../errors.js';
import { loadCaKey } from './ca-key.js';
import { DEFAULT_EXTENSIONS } from './certificate.js';
import { sshConfigSchema } from './config.js';

test('a CA key path is enough; extensions default to all but X11 forwarding, no critical options', () => {
  const config = sshConfigSchema.parse({ ca_key: 'keys/ca' });
  assert.deepEqual(config, { ca_key: 'keys/ca', extensions: DEFAULT_EXTENSIONS });
  assert.ok(!config.extensions.includes('permit-X11-forwarding'));
});

test('unknown keys, a missing CA key, a bad duration and unknown extensions are refused with their path', () => {
  const issues = (value: unknown) => sshConfigSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  assert.match(issues({ ca_key: 'ca', principals: ['root'] }).join(), /Unrecognized key: "principals"/);
  assert.match(issues({}).join(), /^ca_key: the CA private key is required/);
  assert.match(issues({ ca_key: 'ca', max_validity: 'soon' }).join(), /^max_validity: "soon" is not a positive duration/);
  assert.match(issues({ ca_key: 'ca', extensions: ['permit-everything'] }).join(), /^extensions\.0: /);
  assert.match(issues({ ca_key: 'ca', critical_options: { 'source-address': ['not an address'] } }).join(), /^critical_options\.source-address\.0: expected an address or CIDR/);
  assert.match(issues({ ca_key: 'ca', critical_options: { 'no-pty': true } }).join(), /Unrecognized key: "no-pty"/);
});

test('loads an ed25519 or ECDSA CA key from a file relative to the config directory, or inline', async (t) => {
  if (!requireSshKeygen(t)) return;
  const dir = await tempDirFor(t);
  makeKey(dir, 'ed');
  makeKey(dir, 'ec', 'ecdsa');
  const ed = loadCaKey('ssh-prod', { ca_key: 'ed' }, dir);
  assert.match(ed.publicKeyLine, /^ssh-ed25519 AAAA\S+ lease-ca:ssh-prod$/);
  assert.equal(ed.publicKeyLine.split(' ')[1], (await readFile(join(dir, 'ed.pub'), 'utf8')).split(' ')[1]);
  assert.match(ed.fingerprint, /^SHA256:/);
  assert.match(loadCaKey('ssh-prod', { ca_key: join(dir, 'ec') }, '/nowhere').publicKeyLine, /^ecdsa-sha2-nistp256 /);
  const inline = loadCaKey('ssh-prod', { ca_key: await readFile(join(dir, 'ed'), 'utf8') }, '/nowhere');
  assert.equal(inline.publicKeyLine, ed.publicKeyLine);
});

test('reads a passphrase-protected CA key with ca_key_passphrase, and says what is missing without it', async (t) => {
  if (!requireSshKeygen(t)) return;
  const dir = await tempDirFor(t);
  makeKey(dir, 'locked', 'ed25519', 'correct horse');
  assert.match(loadCaKey('p', { ca_key: 'locked', ca_key_passphrase: 'correct horse' }, dir).publicKeyLine, /^ssh-ed25519 /);
  assert.throws(() => loadCaKey('p', { ca_key: 'locked' }, dir), /encrypted: set ca_key_passphrase/);
});

test('refuses a missing, group-readable, RSA or malformed CA key, naming the file and the config path', async (t) => {
  if (!requireSshKeygen(t)) return;
  const dir = await tempDirFor(t);
  const refusal = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (err: unknown) => err instanceof ProviderConfigInvalid && err.field === 'providers.p.config.ca_key' && pattern.test(err.message));
  refusal(() => loadCaKey('p', { ca_key: 'absent' }, dir), new RegExp(`${dir}/absent: cannot read the CA private key \\(ENOENT\\)`));
  makeKey(dir, 'open');
  await chmod(join(dir, 'open'), 0o640);
  refusal(() => loadCaKey('p', { ca_key: 'open' }, dir), /readable by group or others \(mode 640\); chmod 600/);
  makeKey(dir, 'rsa', 'rsa');
  refusal(() => loadCaKey('p', { ca_key: 'rsa' }, dir), /a RSA CA key is not supported: use ed25519/);
  await writeFile(join(dir, 'junk'), 'not a key\n', { mode: 0o600 });
  refusal(() => loadCaKey('p', { ca_key: 'junk' }, dir), /not an OpenSSH\/PEM private key/);
});
