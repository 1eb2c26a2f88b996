// The Temporal sandbox instantiates every module of the workflow bundle once per cached workflow
// (reuseV8Context keeps one module cache per workflow), so what the bundle pulls in is memory
// per waiting lease. ajv (schema checks) and zod once made it ~2.5 MiB per cached workflow;
// they run outside the sandbox now (recorded local activities) and must stay out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaseWorkflowBundle } from './worker.js';

test('the workflow bundle leaves out the JSON Schema validator, zod and jq', async () => {
  const { code } = await leaseWorkflowBundle();
  for (const heavy of ['node_modules/ajv/', 'node_modules/zod/', 'node_modules/@serverlessworkflow/', 'node_modules/yaml/']) {
    assert.ok(!code.includes(heavy), `${heavy} is in the workflow bundle: import the interpreter's dependencies module by module, not through barrels`);
  }
  assert.ok(!/jq-web\/jq\.wasm/.test(code), 'jq-web is in the workflow bundle');
});
