// Where the server listens: `--host`/`--port` (the options), else Thand's `server.host` and
// `server.port` from the config, else 127.0.0.1:8080. The log goes where `logging.output` says.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { silentLogger } from '../core/index.js';
import { freePort } from '../../test/support/ports.js';
import { startLeaseServer } from './server.js';

async function configWith(t: TestContext, yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-listen-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'lease.yaml'), yaml);
  return dir;
}

describe('the listening address', () => {
  it('is server.host and server.port from the config when no option is given', async (t) => {
    const port = await freePort();
    const dir = await configWith(t, `server:\n  host: 127.0.0.1\n  port: ${port}\n`);
    const running = await startLeaseServer({ configPath: join(dir, 'lease.yaml'), dataDir: join(dir, 'data'), logger: silentLogger });
    t.after(() => running.stop());
    assert.equal(running.url, `http://127.0.0.1:${port}`);
    assert.equal((await fetch(`${running.url}/health`)).status, 200);
  });

  it('prefers the options (--host, --port) over the config', async (t) => {
    const dir = await configWith(t, 'server:\n  host: 0.0.0.0\n  port: 1\n');
    const running = await startLeaseServer({ configPath: join(dir, 'lease.yaml'), dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, logger: silentLogger });
    t.after(() => running.stop());
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(running.url).port, '1');
  });
});

describe('logging.output', () => {
  it('writes the log to a file under the data directory', async (t) => {
    const dir = await configWith(t, 'logging:\n  level: info\n  output: logs/lease.log\nserver:\n  limits: {burst: 5}\n');
    const running = await startLeaseServer({ configPath: join(dir, 'lease.yaml'), dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0 });
    await running.stop();
    const lines = (await readFile(join(dir, 'data', 'logs', 'lease.log'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string });
    assert.ok(lines.some((l) => l.level === 40 && /server\.limits: request limits are not configurable yet/.test(l.msg)), 'the config warning is in the file');
    assert.ok(lines.some((l) => l.msg === 'lease server ready'), 'and the rest of the log (logging.level info)');
  });
});
