// roles.<id>.approvals.auto_approve_on_call: loaded onto the resolved role; a provider that is
// not a PagerDuty or Opsgenie provider is refused naming the file and the path.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRegistry } from '../server/provider-types.js';
import { ConfigError, loadConfig } from './index.js';

let root: string;
let counter = 0;
before(async () => (root = await mkdtemp(join(tmpdir(), 'lease-on-call-'))));
after(() => rm(root, { recursive: true, force: true }));

async function config(onCallProvider: string): Promise<string> {
  const dir = join(root, `case-${++counter}`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'lease.yaml'),
    `version: "1.0"
providers:
  pd: { provider: pagerduty, config: { token: t } }
  hook: { provider: webhook, config: { url: "https://hooks.example.com/x" } }
roles:
  debug:
    name: Debug
    description: d
    approvals:
      approvers: { users: [bob] }
      auto_approve_on_call: { provider: ${onCallProvider}, schedule: PSCHED1 }
`,
  );
  return dir;
}

describe('approvals.auto_approve_on_call', () => {
  it('is loaded onto the role', async () => {
    const loaded = await loadConfig(await config('pd'), { providerFactories: defaultRegistry() });
    assert.deepEqual(loaded.roles.get('debug')?.approvals?.autoApproveOnCall, { provider: 'pd', schedule: 'PSCHED1' });
  });

  it('refuses a provider that does not say who is on call, or that is not defined', async () => {
    for (const [provider, expected] of [['hook', /of type "webhook"/], ['nope', /not defined/]] as const) {
      const err = await loadConfig(await config(provider), { providerFactories: defaultRegistry() }).catch((e: unknown) => e);
      assert.ok(err instanceof ConfigError);
      const issue = err.issues.find((i) => i.path === 'roles.debug.approvals.auto_approve_on_call.provider');
      assert.ok(issue, JSON.stringify(err.issues));
      assert.match(issue.message, expected);
      assert.match(issue.file, /lease\.yaml$/);
    }
  });
});
