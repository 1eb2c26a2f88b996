// The sudo provider against sudo itself: a throwaway account gets a role through
// /etc/sudoers.d, sudo honours it, and stops honouring it after revoke or after the expiry.
// Needs root and the Debian package `sudo`; skips loudly without them, fails under CI=true.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { newId } from '../../core/index.js';
import { requireComponent } from '../../../test/support/require-component.js';
import { hasCommand, isRoot, run } from '../../../test/support/system.js';
import { createThrowawayUser } from '../../../test/support/throwaway-user.js';
import type { Identity } from '../../core/index.js';
import type { GrantRole } from '../provider.js';
import { sudoConfigSchema } from './config.js';
import { SudoAccessProvider } from './provider.js';

const SUDOERS_DIR = '/etc/sudoers.d';
const HOW_TO_GET = 'run the tests as root with the Debian package `sudo` installed (`npm test` as root provisions it; or `apt-get install sudo`)';

function sudoReadsDropIns(): boolean {
  try {
    return /^[@#]includedir\s+\/etc\/sudoers\.d\s*$/m.test(readFileSync('/etc/sudoers', 'utf8'));
  } catch {
    return false;
  }
}

const available = isRoot() && hasCommand('sudo') && hasCommand('visudo') && hasCommand('useradd') && sudoReadsDropIns();

const idRole: GrantRole = {
  id: 'whoami',
  name: 'Run id as root',
  permissions: { allow: ['/usr/bin/id'], deny: [] },
  resources: { allow: [], deny: [] },
  nativeRoles: [],
};

function identityOf(account: string): Identity {
  return { id: account, groups: [], provider: 'local', provider_type: 'local' };
}

/** What sudo says the account may run. */
function sudoList(account: string): string {
  return run('sudo', ['-l', '-U', account]).stdout;
}

/** Runs `sudo -n /usr/bin/id -u` as `account`: "0" when the rule is honoured. */
function idAsRootFor(account: string): { status: number | null; stdout: string } {
  const { status, stdout } = run('sudo', ['-u', account, 'sudo', '-n', '/usr/bin/id', '-u']);
  return { status, stdout };
}

/** Registered before the account exists, so the drop-in goes before the account does. */
function revokeAfterTest(t: TestContext, provider: SudoAccessProvider, requestId: string): void {
  t.after(() => provider.revoke({ provider: provider.id, requestId, data: {} }));
}

const provider = new SudoAccessProvider('host-sudo', sudoConfigSchema.parse({ sudoers_dir: SUDOERS_DIR }));

test('real sudo honours a grant until it is revoked', async (t) => {
  if (!requireComponent(t, 'sudo (as root, /etc/sudoers including /etc/sudoers.d)', available, HOW_TO_GET)) return;
  const requestId = newId('req');
  revokeAfterTest(t, provider, requestId);
  const account = createThrowawayUser(t);
  assert.doesNotMatch(sudoList(account), /\/usr\/bin\/id/);

  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const record = await provider.grant({ requestId, identity: identityOf(account), role: idRole, expiresAt });
  assert.match(sudoList(account), /NOPASSWD: \/usr\/bin\/id/);
  assert.deepEqual(idAsRootFor(account), { status: 0, stdout: '0\n' });
  assert.ok((await provider.listActive()).some((g) => g.requestId === requestId && g.data.account === account));

  await provider.revoke(record);
  assert.doesNotMatch(sudoList(account), /\/usr\/bin\/id/);
  assert.notEqual(idAsRootFor(account).status, 0);
});

test('real sudo stops honouring a grant at its expiry even if Lease never revokes', async (t) => {
  if (!requireComponent(t, 'sudo (as root, /etc/sudoers including /etc/sudoers.d)', available, HOW_TO_GET)) return;
  const requestId = newId('req');
  revokeAfterTest(t, provider, requestId);
  const account = createThrowawayUser(t);

  const expired = new Date(Date.now() - 60_000).toISOString();
  await provider.grant({ requestId, identity: identityOf(account), role: idRole, expiresAt: expired });
  assert.match(sudoList(account), /\/usr\/bin\/id/); // the file is there...
  assert.notEqual(idAsRootFor(account).status, 0); // ...and sudo refuses it anyway
});
