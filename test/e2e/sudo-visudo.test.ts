// The sudo provider checks each rule with `visudo -c`; where visudo cannot be found the server
// still starts, and says once, naming the provider, that its rules go unchecked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireComponent } from '../support/require-component.js';
import { hasCommand, isRoot } from '../support/system.js';
import { startServer } from '../support/lease-process.js';
import { createDeployment } from './fixtures.js';

/** The server's log lines (JSON) that say a provider's rules go unchecked. */
function missingVisudoWarnings(output: string): Array<{ level: number; provider: string; msg: string }> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('visudo was not found'))
    .map((line) => JSON.parse(line) as { level: number; provider: string; msg: string });
}

describe('sudo provider without visudo', () => {
  it('warns once at start, naming the provider, when visudo is not found; not when it is', async (t) => {
    const available = isRoot() && hasCommand('unshare') && hasCommand('mount') && hasCommand('visudo');
    if (!requireComponent(t, 'root with unshare, mount and visudo', available, 'run the tests as root on Linux with util-linux and sudo (apt-get install sudo)')) return;
    // visudo left to be looked up (no `visudo:` key) for the enabled `box` and the disabled `parked`.
    const deployment = await createDeployment();
    t.after(deployment.cleanup);
    const empty = join(deployment.root, 'not-visudo');
    await writeFile(empty, '', { mode: 0o644 });
    // A private mount namespace where every visudo the provider would find is an empty,
    // non-executable file; the rest of the machine keeps its visudo.
    const hideVisudo = [
      'unshare', '--mount', '--propagation', 'private', 'sh', '-c',
      'set -e; for f in /usr/sbin/visudo /usr/bin/visudo /usr/local/sbin/visudo /usr/local/bin/visudo; do if [ -e "$f" ]; then mount --bind "$0" "$f"; fi; done; exec "$@"',
      empty,
    ];

    const without = await startServer({ config: deployment.config, data: deployment.data, wrap: hideVisudo, env: { PATH: '/usr/bin:/bin' } });
    try {
      const warnings = missingVisudoWarnings(without.output);
      assert.deepEqual(warnings.map((w) => [w.level, w.provider]), [[40, 'box']], without.output);
      assert.match(warnings[0]!.msg, /^sudo provider "box": visudo was not found/);
    } finally {
      await without.stop();
    }

    const withVisudo = await startServer({ config: deployment.config, data: deployment.data });
    try {
      assert.deepEqual(missingVisudoWarnings(withVisudo.output), []);
    } finally {
      await withVisudo.stop();
    }
  });
});
