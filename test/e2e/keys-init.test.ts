// `lease keys init` makes the key sets that several servers and workers share (the Secret the
// Helm chart mounts): both files, private, usable by `lease keys`, and never replaced.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runLease, tempDir } from '../support/lease-process.js';

describe('lease keys init', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('lease-keys-init-');
  });
  after(async () => dir?.cleanup());

  it('creates the session and payload key sets, mode 0600, and keeps them when run again', async () => {
    const data = join(dir.path, 'shared');
    const first = await runLease(['keys', 'init', '--data', data, '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), {
      keys: [
        { set: 'session', file: join(data, 'keys', 'session.jwk'), created: true },
        { set: 'payload', file: join(data, 'keys', 'payload.jwk'), created: true },
      ],
    });
    for (const file of ['session.jwk', 'payload.jwk']) assert.equal((await stat(join(data, 'keys', file))).mode & 0o777, 0o600, file);

    const kids = async (set: string) => {
      const r = await runLease(['keys', 'list', '--set', set, '--data', data, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    };
    const before = { session: await kids('session'), payload: await kids('payload') };
    assert.equal(before.session.length, 1);
    assert.equal(before.payload.length, 1);

    const again = await runLease(['keys', 'init', '--data', data]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /kept session keys/);
    assert.match(again.stdout, /kept payload keys/);
    assert.deepEqual({ session: await kids('session'), payload: await kids('payload') }, before);
  });
});
