// `logging.output: <file>`: the server writes its log there itself, one file per UTC day, and
// keeps `logging.retention.days` of dated files (operational-log retention; default 30 days).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, type Deployment } from './fixtures.js';

const DAY_MS = 86_400_000;
const dayOf = (time: Date) => time.toISOString().slice(0, 10);

describe('the server log written to a file', () => {
  let deployment: Deployment;
  let server: ServerProcess | undefined;
  let logs: string;
  /** UTC days of 20, 3 and 2 days before the test, fixed once so that a midnight cannot shift them. */
  let old: string;
  let recent: string;
  let previous: string;

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    await writeFile(
      join(deployment.config, 'logging.yaml'),
      `version: "1.0"
logging:
  level: info
  output: logs/lease.log
  retention: { days: 7 }
`,
    );
    logs = join(deployment.data, 'logs');
    await mkdir(logs, { recursive: true });
    // What an earlier run left: files of 20 and 3 days ago, and the file it was writing 2 days ago.
    const now = Date.now();
    const twoDaysAgo = new Date(now - 2 * DAY_MS);
    [old, recent, previous] = [dayOf(new Date(now - 20 * DAY_MS)), dayOf(new Date(now - 3 * DAY_MS)), dayOf(twoDaysAgo)];
    await writeFile(join(logs, `lease.log.${old}`), '{"msg":"old"}\n');
    await writeFile(join(logs, `lease.log.${recent}`), '{"msg":"recent"}\n');
    await writeFile(join(logs, 'lease.log'), '{"msg":"before the restart"}\n');
    await utimes(join(logs, 'lease.log'), twoDaysAgo, twoDaysAgo);
    server = await startServer({ config: deployment.config, data: deployment.data });
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('renames the previous day\'s file, deletes dated files past the retention and writes the new lines to a fresh file', async () => {
    assert.deepEqual((await readdir(logs)).sort(), ['lease.log', `lease.log.${previous}`, `lease.log.${recent}`].sort());
    assert.equal(await readFile(join(logs, `lease.log.${previous}`), 'utf8'), '{"msg":"before the restart"}\n');
    const current = await readFile(join(logs, 'lease.log'), 'utf8');
    assert.match(current, /"msg":"lease server ready"/);
    assert.doesNotMatch(current, /before the restart/);
    assert.equal((await stat(join(logs, 'lease.log'))).mode & 0o777, 0o600, 'only the server reads its log');
  });
});
