// The CLI on its own: hashing a password, refusing bad usage with a clear message, and `npx lease`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { verifyPassword } from '../../src/identity/index.js';
import { ROOT, runLease, tempDir } from '../support/lease-process.js';

describe('lease CLI', () => {
  it('hash-password prints a salted scrypt hash of stdin that verifies', async () => {
    const first = await runLease(['hash-password'], { input: 'correct horse\n' });
    const second = await runLease(['hash-password'], { input: 'correct horse\n' });
    assert.equal(first.code, 0, first.stderr);
    const hash = first.stdout.trim();
    assert.match(hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.notEqual(hash, second.stdout.trim(), 'salted: two hashes of one password differ');
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('wrong horse', hash), false);
  });

  it('hash-password refuses an empty stdin', async () => {
    const r = await runLease(['hash-password'], { input: '' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no password on stdin/);
  });

  it('says how to log in when there is no session', async () => {
    const home = await tempDir();
    try {
      const r = await runLease(['list'], { env: { LEASE_HOME: home.path } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not logged in; run: lease login/);
    } finally {
      await home.cleanup();
    }
  });

  it('refuses bad usage with exit code 2 and no stack trace', async () => {
    const badUrl = await runLease(['login', '--server', 'not a url', '--provider', 'local', '--username', 'a', '--password-stdin'], { input: 'x' });
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /--server must be a URL/);
    const missing = await runLease(['request', '--role', 'debug']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option/);
    const noConfig = await runLease(['server'], { env: { LEASE_CONFIG: '' } });
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /no configuration/);
    for (const r of [badUrl, missing, noConfig]) assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  it('is the package bin: npx lease runs it', () => {
    const r = spawnSync('npx', ['--no-install', 'lease', '--version'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });
});
