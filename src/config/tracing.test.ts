import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type ConfigIssue } from './index.js';

let root: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-config-tracing-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function serverFile(tracing: string): Promise<string> {
  const dir = join(root, `case-${++counter}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'server.yaml'), `version: "1.0"\nserver:\n  tracing:\n${tracing}`);
  return dir;
}

async function issuesOf(dir: string, env: Record<string, string> = {}): Promise<ConfigIssue[]> {
  try {
    await loadConfig(dir, { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues;
  }
  assert.fail('expected the config to be refused');
}

describe('server.tracing', () => {
  it('is off unless enabled, with defaults for the rest', async () => {
    const config = await loadConfig(await serverFile('    endpoint: http://127.0.0.1:4318\n'), { env: {} });
    assert.deepEqual(config.server.tracing, { enabled: false, endpoint: 'http://127.0.0.1:4318', service_name: 'lease', sample_ratio: 1 });
  });

  it('reads flags, ratios and header values from ${ENV} references', async () => {
    const dir = await serverFile('    enabled: ${TRACING}\n    sample_ratio: ${RATIO}\n    headers:\n      authorization: "Bearer ${OTLP_TOKEN}"\n');
    const config = await loadConfig(dir, { env: { TRACING: 'true', RATIO: '0.25', OTLP_TOKEN: 'tok-123456' } });
    assert.equal(config.server.tracing?.enabled, true);
    assert.equal(config.server.tracing?.sample_ratio, 0.25);
    assert.deepEqual(config.server.tracing?.headers, { authorization: 'Bearer tok-123456' });
  });

  it('refuses a ratio outside 0..1, naming file and path', async () => {
    const [issue] = (await issuesOf(await serverFile('    enabled: true\n    sample_ratio: 1.5\n'))).filter((i) => i.path === 'server.tracing.sample_ratio');
    assert.ok(issue, 'an issue at server.tracing.sample_ratio');
    assert.match(issue.message, /ratio from 0 to 1/);
    assert.match(issue.file, /server\.yaml$/);
  });

  it('refuses an unknown key, an endpoint that is not http(s) or carries credentials, and a bad header name', async () => {
    const paths = async (yaml: string) => (await issuesOf(await serverFile(yaml))).map((i) => i.path);
    assert.ok((await paths('    enabled: true\n    exporter: zipkin\n')).some((p) => p.startsWith('server.tracing')), 'unknown key');
    assert.ok((await paths('    endpoint: grpc://collector:4317\n')).includes('server.tracing.endpoint'));
    assert.ok((await paths('    endpoint: https://user:pw@collector:4318\n')).includes('server.tracing.endpoint'));
    assert.ok((await paths('    endpoint: https://collector:4318/?token=x\n')).includes('server.tracing.endpoint'));
    assert.ok((await paths('    headers: { "bad header": x }\n')).some((p) => p.startsWith('server.tracing.headers')));
  });
});
