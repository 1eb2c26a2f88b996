import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './index.js';

let root: string;
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-config-audit-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function file(text: string): Promise<string> {
  const path = join(root, `audit-${++counter}.yaml`);
  await writeFile(path, text);
  return path;
}

test('the audit section is loaded with its forwarders, secrets from the environment and the declaring directory', async () => {
  const path = await file(`version: "1.0"
audit:
  forwarders:
    - { type: file, path: /var/log/lease/audit.jsonl }
    - { type: syslog, address: "tcp://siem.example:6514", tls: true }
    - { type: webhook, url: "https://siem.example/hook", secret: "\${AUDIT_HOOK_SECRET}" }
    - { type: otlp, endpoint: "http://collector:4318", ocsf: true, batch_size: 50 }
  retention: { days: 30 }
`);
  const config = await loadConfig(path, { env: { AUDIT_HOOK_SECRET: 'a-long-enough-hook-secret' } });
  assert.equal(config.audit.forwarders?.length, 4);
  assert.equal(config.audit.forwarders?.[2]?.type === 'webhook' && config.audit.forwarders[2].secret, 'a-long-enough-hook-secret');
  assert.deepEqual(config.audit.retention, { days: 30 });
  assert.equal(config.audit.configDir, root);
});

test('a bad audit section is refused with the file, the path inside it and what was expected', async () => {
  const path = await file(`audit:
  forwarders:
    - { type: syslog, address: "udp://siem:514" }
    - { type: webhook, url: "http://siem.example/hook", secret: short }
    - { type: file, path: a.jsonl, name: same }
    - { type: file, path: b.jsonl, name: same, rotate: daily }
  retention: { days: 0 }
`);
  await assert.rejects(loadConfig(path), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    const issues = err.message.split('\n').map((line) => line.replace(path, 'FILE'));
    const has = (re: RegExp) => assert.ok(issues.some((i) => re.test(i)), `${re} in\n${issues.join('\n')}`);
    has(/^FILE: audit\.forwarders\[0\]\.address: expected tcp:\/\/host:port/);
    has(/^FILE: audit\.forwarders\[1\]\.url: expected an https URL/);
    has(/^FILE: audit\.forwarders\[1\]\.secret: expected at least 16 characters/);
    has(/^FILE: audit\.forwarders\[3\].*rotate/);
    has(/^FILE: audit\.retention\.days: /);
    return true;
  });
});

test('two forwarders may not share a name, given or derived', async () => {
  const path = await file(`audit:
  forwarders:
    - { type: file, path: a.jsonl, name: file-2 }
    - { type: file, path: b.jsonl }
`);
  await assert.rejects(loadConfig(path), /audit\.forwarders\[1\]\.name: "file-2" is also the name of forwarder 1/);
});
