// The CLI on its own: hashing a password, refusing bad usage with a clear message, and the
// package it ships in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
    assert.match(badUrl.stderr, /--server must be an http\(s\) URL .*got "not a url"/);
    const missing = await runLease(['request', '--role', 'debug']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option/);
    const noConfig = await runLease(['server'], { env: { LEASE_CONFIG: '' } });
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /no configuration/);
    for (const r of [badUrl, missing, noConfig]) assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  it('refuses a --server (or LEASE_SERVER) that is not a URL as bad usage, naming the value', async () => {
    const home = await tempDir();
    try {
      for (const args of [['list', '--server', 'notaurl'], ['status', 'req_x', '--server', 'ftp://lease.example.com'], ['logout', '--server', 'notaurl']]) {
        const r = await runLease(args, { env: { LEASE_HOME: home.path } });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /^lease: --server must be an http\(s\) URL like https:\/\/lease\.example\.com, got "(notaurl|ftp:\/\/lease\.example\.com)"\n$/);
      }
      const fromEnv = await runLease(['list'], { env: { LEASE_HOME: home.path, LEASE_SERVER: 'notaurl' } });
      assert.equal(fromEnv.code, 2);
      assert.match(fromEnv.stderr, /LEASE_SERVER must be an http\(s\) URL .*got "notaurl"/);
    } finally {
      await home.cleanup();
    }
  });

  it('escapes terminal controls in what it echoes back from the command line', async () => {
    const unknown = await runLease(['st\x1b[2Jatus\r']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'st\\x1b\[2Jatus\\r'/);
    const badServer = await runLease(['list', '--server', 'x\x1b]0;owned\x07']);
    assert.equal(badServer.code, 2);
    assert.match(badServer.stderr, /got "x\\x1b\]0;owned\\x07"/);
    for (const r of [unknown, badServer]) for (const control of ['\x1b', '\x07', '\r']) assert.ok(!r.stderr.includes(control), JSON.stringify(r.stderr));
  });

  it('is the package\'s `lease` bin, in a package that is not the unrelated `lease` of the npm registry', async () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', `file://${ROOT}`), 'utf8')) as { name: string; version: string; bin: Record<string, string>; engines: { node: string } };
    assert.notEqual(pkg.name, 'lease');
    assert.deepEqual(pkg.bin, { lease: 'bin/lease.js' });
    // ESLint sets the floor of the toolchain: the package says so rather than a looser ">=20".
    const eslint = JSON.parse(readFileSync(new URL('node_modules/eslint/package.json', `file://${ROOT}`), 'utf8')) as { engines: { node: string } };
    assert.equal(pkg.engines.node, eslint.engines.node);
    const r = await runLease(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('ships bin/, dist/, docs/ and examples/ in the package, not the sources or tests (packing runs no build)', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = ((JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files ?? []).map((f) => f.path);
    for (const expected of ['bin/lease.js', 'dist/bundle/lease.js', 'dist/cli/main.js', 'docs/cli.md', 'docs/configuration.md', 'examples/server.yaml', 'README.md', 'package.json']) {
      assert.ok(files.includes(expected), `${expected} is in the package`);
    }
    assert.deepEqual(files.filter((f) => /^(src|test|scripts|\.cache)\//.test(f)), []);
  });
});
