// A local account that exists for one test: `lease-test-<random>`, no home, no login shell,
// deleted (with its group) when the test ends. Needs root and useradd/userdel.
import type { TestContext } from 'node:test';
import { randomBytes } from 'node:crypto';
import { run } from './system.js';

export function createThrowawayUser(t: TestContext): string {
  const name = `lease-test-${randomBytes(4).toString('hex')}`;
  const res = run('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  if (res.status !== 0) throw new Error(`useradd ${name} failed: ${res.stderr.trim()}`);
  t.after(() => {
    const del = run('userdel', [name]);
    if (del.status !== 0) throw new Error(`userdel ${name} failed: ${del.stderr.trim()}`);
  });
  return name;
}
