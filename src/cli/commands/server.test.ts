import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { leaseCommand } from './server.js';

describe('leaseCommand (the motd\'s {lease})', () => {
  it('is `lease` when the PATH finds this very bin first, else `node <bin>`; never npx', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-cmd-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const checkout = join(dir, 'checkout');
    const bin = join(checkout, 'bin', 'lease.js');
    await mkdir(join(checkout, 'bin'), { recursive: true });
    await writeFile(bin, '#!/usr/bin/env node\n');
    await chmod(bin, 0o755);
    const mine = join(dir, 'mine');
    const other = join(dir, 'other');
    await mkdir(mine);
    await mkdir(other);
    await symlink(bin, join(mine, 'lease'));
    await writeFile(join(other, 'lease'), '#!/bin/sh\n');

    assert.equal(leaseCommand(join(mine, 'lease'), [mine].join(delimiter), dir), 'lease');
    assert.equal(leaseCommand(bin, ['', mine].join(delimiter), dir), 'lease', 'the same file through a symlink');
    assert.equal(leaseCommand(bin, [other, mine].join(delimiter), checkout), 'node bin/lease.js', 'another lease comes first on the PATH');
    assert.equal(leaseCommand(bin, '', checkout), 'node bin/lease.js', 'relative from inside the checkout');
    assert.equal(leaseCommand(bin, '', other), `node ${bin}`, 'absolute from elsewhere');
    assert.equal(leaseCommand('/opt/my lease/bin/lease.js', '', '/srv'), "node '/opt/my lease/bin/lease.js'", 'quoted for the shell');
  });
});
