// The systemd unit (deploy/systemd/lease.service) is one systemd accepts without a warning, and
// its sandbox leaves the server little of the host (`systemd-analyze security`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireComponent } from '../support/require-component.js';
import { hasCommand, run } from '../support/system.js';
import { LEASE_BIN, ROOT } from '../support/lease-process.js';

const UNIT = join(ROOT, 'deploy', 'systemd', 'lease.service');
const HOW_TO_GET = 'install the Debian package `systemd` (apt-get install systemd), which provides systemd-analyze';

describe('systemd unit', () => {
  let dir: string;
  let unit: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lease-systemd-'));
    // systemd-analyze verify checks that ExecStart's program exists: point it at this checkout's
    // `lease` instead of the installed /usr/local/bin/lease; everything else is verified as shipped.
    const text = await readFile(UNIT, 'utf8');
    assert.match(text, /^ExecStart=\/usr\/local\/bin\/lease server /m);
    unit = join(dir, 'lease.service');
    await writeFile(unit, text.replace('ExecStart=/usr/local/bin/lease ', `ExecStart=${LEASE_BIN} `));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('passes systemd-analyze verify with no warning', (t) => {
    if (!requireComponent(t, 'systemd-analyze', hasCommand('systemd-analyze'), HOW_TO_GET)) return;
    const r = run('systemd-analyze', ['verify', unit]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'systemd warns about the unit');
  });

  it('is sandboxed: exposure at most 2.0 in systemd-analyze security, no capabilities, read-only system', async (t) => {
    if (!requireComponent(t, 'systemd-analyze', hasCommand('systemd-analyze'), HOW_TO_GET)) return;
    const r = run('systemd-analyze', ['security', '--offline=true', '--no-pager', unit]);
    assert.equal(r.status, 0, r.stderr);
    const score = /Overall exposure level for lease\.service: ([\d.]+)/.exec(r.stdout);
    assert.ok(score, r.stdout);
    t.diagnostic(`systemd-analyze security: exposure ${score[1]}`);
    assert.ok(Number(score[1]) <= 2.0, `exposure ${score[1]}:\n${r.stdout}`);
    const text = await readFile(UNIT, 'utf8');
    for (const line of ['CapabilityBoundingSet=', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'StateDirectory=lease', 'Restart=on-failure', 'TimeoutStopSec=15', 'ExecReload=/bin/kill -HUP $MAINPID']) {
      assert.ok(text.split('\n').includes(line), `missing ${line}`);
    }
  });
});
