// The sudo provider against a temp directory. visudo checks the files when installed (it is on
// CI: scripts/provision.mjs installs sudo); sudo itself reading them is sudo.real.test.ts.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { requireComponent } from '../../../test/support/require-component.js';
import type { Identity } from '../../core/index.js';
import { newId } from '../../core/index.js';
import type { GrantRole } from '../provider.js';
import type { SudoConfig } from './config.js';
import { sudoConfigSchema } from './config.js';
import { SudoersCheckFailed, SudoGrantRefused } from './errors.js';
import { SudoAccessProvider, sudoProviderFactory } from './provider.js';
import { findVisudo } from './visudo.js';

const alice: Identity = { id: 'alice', email: 'alice@example.com', groups: [], provider: 'local', provider_type: 'local' };
const role = (allow: string[], deny: string[] = []): GrantRole => ({
  id: 'ops',
  name: 'Ops',
  permissions: { allow, deny },
  resources: { allow: [], deny: [] },
  nativeRoles: [],
});
const EXPIRES = '2030-01-01T00:00:00.000Z';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-sudo-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function provider(config: Partial<SudoConfig> = {}): Promise<{ p: SudoAccessProvider; dir: string }> {
  const dir = await mkdtemp(join(root, 'd-'));
  const parsed = sudoConfigSchema.parse({ sudoers_dir: join(dir, 'sudoers.d'), ...config });
  return { p: new SudoAccessProvider('host-sudo', parsed), dir: join(dir, 'sudoers.d') };
}

describe('sudo provider', () => {
  test('grant writes lease-<request id> with the rule, mode 0440, and returns what revoke needs', async () => {
    const { p, dir } = await provider();
    const requestId = newId('req');
    const record = await p.grant({ requestId, identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    const file = join(dir, `lease-${requestId}`);
    assert.deepEqual(record, { provider: 'host-sudo', requestId, data: { file, account: 'alice' } });
    const content = await readFile(file, 'utf8');
    assert.match(content, /^alice ALL=\(ALL\) NOTAFTER=20300101000000Z NOPASSWD: \/usr\/bin\/id$/m);
    assert.match(content, /managed by Lease — do not edit/);
    assert.equal((await stat(file)).mode & 0o777, 0o440);
  });

  test('creates a missing sudoers directory with mode 0750', async () => {
    const { p, dir } = await provider();
    await p.grant({ requestId: newId('req'), identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    assert.equal((await stat(dir)).mode & 0o777, 0o750);
  });

  test('leaves no temp file behind', async () => {
    const { p, dir } = await provider();
    const requestId = newId('req');
    await p.grant({ requestId, identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    assert.deepEqual(await readdir(dir), [`lease-${requestId}`]);
  });

  test('granting the same request again rewrites the same file', async () => {
    const { p, dir } = await provider();
    const requestId = newId('req');
    await p.grant({ requestId, identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    const again = await p.grant({ requestId, identity: alice, role: role(['/usr/bin/whoami']), expiresAt: EXPIRES });
    assert.deepEqual(await readdir(dir), [`lease-${requestId}`]);
    assert.match(await readFile(again.data.file as string, 'utf8'), /NOPASSWD: \/usr\/bin\/whoami$/m);
  });

  test('a temp file left by a crash is replaced, not followed', async () => {
    const { p, dir } = await provider();
    const requestId = newId('req');
    await p.grant({ requestId: newId('req'), identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES }); // creates dir
    await writeFile(join(dir, `.lease-${requestId}.tmp`), 'garbage');
    await p.grant({ requestId, identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    assert.ok(!(await readdir(dir)).includes(`.lease-${requestId}.tmp`));
  });

  test('a failing visudo check installs nothing and reports visudo\'s message', async () => {
    const fake = join(root, 'visudo-that-rejects'); // stand-in for visudo refusing the file
    await writeFile(fake, '#!/bin/sh\necho "$3:1:5: syntax error" >&2\nexit 1\n');
    await chmod(fake, 0o755);
    const { p, dir } = await provider({ visudo: fake });
    await assert.rejects(
      p.grant({ requestId: newId('req'), identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES }),
      (err: unknown) => err instanceof SudoersCheckFailed && err.code === 'sudoers_check_failed' && /syntax error/.test(err.message),
    );
    assert.deepEqual(await readdir(dir), []);
  });

  test('a configured visudo that does not exist fails the grant rather than skipping the check', async () => {
    const { p, dir } = await provider({ visudo: join(root, 'no-such-visudo') });
    await assert.rejects(p.grant({ requestId: newId('req'), identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES }), SudoersCheckFailed);
    assert.deepEqual(await readdir(dir), []);
  });

  test('files pass the real visudo, with ALL, denies, run_as and nopasswd=false', async (t) => {
    if (!requireComponent(t, 'visudo', findVisudo(undefined) !== null, 'install the Debian package `sudo` (`npm test` as root provisions it; or `apt-get install sudo`)')) return;
    const { p } = await provider({ run_as: 'root:ALL', nopasswd: false });
    const record = await p.grant({ requestId: newId('req'), identity: alice, role: role(['ALL'], ['/usr/bin/passwd']), expiresAt: EXPIRES });
    assert.match(await readFile(record.data.file as string, 'utf8'), /^alice ALL=\(root:ALL\) NOTAFTER=20300101000000Z ALL, !\/usr\/bin\/passwd$/m);
  });

  test('revoke deletes the file, and revoking twice succeeds', async () => {
    const { p, dir } = await provider();
    const record = await p.grant({ requestId: newId('req'), identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    await p.revoke(record);
    await p.revoke(record);
    assert.deepEqual(await readdir(dir), []);
  });

  test('revoke finds the file from the request id when the record has no path', async () => {
    const { p, dir } = await provider();
    const record = await p.grant({ requestId: newId('req'), identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    await p.revoke({ ...record, data: {} });
    assert.deepEqual(await readdir(dir), []);
  });

  test('revoke ignores a recorded path that is not this request\'s drop-in', async () => {
    const { p } = await provider();
    const victim = join(root, 'victim');
    await writeFile(victim, 'keep me');
    await p.revoke({ provider: 'host-sudo', requestId: newId('req'), data: { file: victim } });
    assert.equal(await readFile(victim, 'utf8'), 'keep me');
  });

  test('revoke refuses a record whose request id is not a Lease id', async () => {
    const { p } = await provider();
    await assert.rejects(p.revoke({ provider: 'host-sudo', requestId: '../../etc/sudoers', data: {} }), SudoGrantRefused);
  });

  test('listActive reports Lease drop-ins only, with their accounts', async () => {
    const { p, dir } = await provider();
    const a = newId('req');
    const b = newId('req');
    await p.grant({ requestId: a, identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    await p.grant({ requestId: b, identity: { ...alice, id: 'bob' }, role: role(['ALL']), expiresAt: EXPIRES });
    await writeFile(join(dir, 'README'), 'not ours');
    await writeFile(join(dir, `.lease-${a}.tmp`), 'not installed');
    const active = await p.listActive();
    assert.deepEqual(
      active.sort((x, y) => x.requestId.localeCompare(y.requestId)),
      [
        { provider: 'host-sudo', requestId: a, data: { file: join(dir, `lease-${a}`), account: 'alice' } },
        { provider: 'host-sudo', requestId: b, data: { file: join(dir, `lease-${b}`), account: 'bob' } },
      ].sort((x, y) => x.requestId.localeCompare(y.requestId)),
    );
  });

  test('listActive on a missing directory is empty', async () => {
    const { p } = await provider();
    assert.deepEqual(await p.listActive(), []);
  });

  test('refuses a bad account, command or request id before writing anything', async () => {
    const { p, dir } = await provider({ accounts: { alice: 'alice' } });
    const cases: [Partial<Parameters<SudoAccessProvider['grant']>[0]>, string][] = [
      [{ identity: { ...alice, id: 'Not A User', email: undefined } }, 'sudo_invalid_account'],
      [{ role: role(['/bin/sh, /usr/bin/id']) }, 'sudo_invalid_command'],
      [{ requestId: '../../etc/sudoers' }, 'sudo_invalid_request_id'],
      [{ expiresAt: 'never' }, 'sudo_invalid_expiry'],
    ];
    for (const [override, code] of cases) {
      const input = { requestId: newId('req'), identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES, ...override };
      await assert.rejects(p.grant(input), (err: unknown) => err instanceof SudoGrantRefused && err.code === code, code);
    }
    await assert.rejects(stat(dir), { code: 'ENOENT' });
  });

  test('uses the configured account for an identity', async () => {
    const { p } = await provider({ accounts: { 'alice@example.com': 'asmith' } });
    const record = await p.grant({ requestId: newId('req'), identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    assert.equal(record.data.account, 'asmith');
  });
});

describe('sudo config', () => {
  test('has safe defaults', () => {
    assert.deepEqual(sudoConfigSchema.parse({}), { sudoers_dir: '/etc/sudoers.d', accounts: {}, run_as: 'ALL', nopasswd: true });
  });

  test('refuses unknown keys, bad accounts and bad run_as', () => {
    assert.equal(sudoConfigSchema.safeParse({ sudoer_dir: '/x' }).success, false);
    assert.equal(sudoConfigSchema.safeParse({ accounts: { alice: 'root ALL' } }).success, false);
    assert.equal(sudoConfigSchema.safeParse({ run_as: 'ALL) ALL, (root' }).success, false);
    assert.equal(sudoConfigSchema.safeParse({ visudo: true }).success, false);
  });

  test('the factory makes an access provider', () => {
    const instance = sudoProviderFactory.create({ id: 'h', name: 'Host', enabled: true, config: sudoConfigSchema.parse({}), deps: { dataDir: '.lease', configDir: '.' } });
    assert.deepEqual(instance.capabilities, ['access']);
    assert.ok(instance.access instanceof SudoAccessProvider);
  });

  test('a relative sudoers_dir is under the data directory, not the working directory', async () => {
    const base = await mkdtemp(join(root, 'rel-'));
    const config = sudoConfigSchema.parse({ sudoers_dir: 'sudoers.d', visudo: false });
    const instance = sudoProviderFactory.create({ id: 'h', name: 'Host', enabled: true, config, deps: { dataDir: join(base, 'data'), configDir: join(base, 'config') } });
    const requestId = newId('req');
    const record = await instance.access!.grant({ requestId, identity: alice, role: role(['/usr/bin/id']), expiresAt: EXPIRES });
    assert.equal(record.data.file, join(base, 'data', 'sudoers.d', `lease-${requestId}`));
    assert.deepEqual(await readdir(base), ['data']);
  });

  test('findVisudo returns null when visudo is on neither PATH nor the sbin directories', async () => {
    const bin = await mkdtemp(join(root, 'bin-'));
    assert.equal(findVisudo(undefined, bin, []), null);
    const visudo = join(bin, 'visudo');
    await writeFile(visudo, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    assert.equal(findVisudo(undefined, bin, []), visudo);
    assert.equal(findVisudo(false, bin, []), null, 'visudo: false turns the check off');
  });

  test('a visudo that was looked for and not found is a warning naming the provider; visudo: false is not', () => {
    const missing = new SudoAccessProvider('web-1', sudoConfigSchema.parse({}), undefined, () => null);
    assert.match(missing.missingCheckWarning() ?? '', /^sudo provider "web-1": visudo was not found .* without the `visudo -c` syntax check/);
    const off = new SudoAccessProvider('web-1', sudoConfigSchema.parse({ visudo: false }), undefined, () => null);
    assert.equal(off.missingCheckWarning(), undefined);
    const found = new SudoAccessProvider('web-1', sudoConfigSchema.parse({}), undefined, () => '/usr/sbin/visudo');
    assert.equal(found.missingCheckWarning(), undefined);
  });

  test('the factory says nothing when the check runs or is turned off', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const deps = { dataDir: '.lease', configDir: '.', logger };
    sudoProviderFactory.create({ id: 'off', name: 'Off', enabled: true, config: sudoConfigSchema.parse({ visudo: false }), deps });
    sudoProviderFactory.create({ id: 'set', name: 'Set', enabled: true, config: sudoConfigSchema.parse({ visudo: '/usr/sbin/visudo' }), deps });
    assert.deepEqual(lines, []);
  });
});
