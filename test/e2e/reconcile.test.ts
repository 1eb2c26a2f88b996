// Drift: a grant on the target with no live request behind it (left by hand, or by a lost
// database) is revoked at start-up and audited.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { leaseJson, startServer, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, loginAs, type Deployment } from './fixtures.js';

describe('reconciliation', () => {
  let deployment: Deployment;
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('revokes a grant that no request accounts for, and audits it', async () => {
    deployment = await createDeployment({ visudo: false });
    const strayId = 'req_0000000000stray00000000000';
    const stray = join(deployment.sudoers, `lease-${strayId}`);
    await mkdir(deployment.sudoers, { recursive: true });
    await writeFile(stray, `# managed by Lease\nalice ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });

    server = await startServer({ config: deployment.config, data: deployment.data });
    assert.equal(existsSync(stray), false, 'the stray grant was removed before the server reported ready');
    await loginAs(deployment, server.url, 'bob');
    const entries = await leaseJson<Array<{ action: string; subject: string | null }>>(['audit', '--json', '--subject', strayId], { LEASE_HOME: deployment.home('bob') });
    assert.deepEqual(entries.map((e) => e.action), ['reconcile.revoked']);
  });
});
