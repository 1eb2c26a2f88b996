// Thand's dialect (dialect.ts): which documents are in it, and the data flow they get.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJqEngine } from '../expressions/index.js';
import { isThandDialect } from './dialect.js';
import { Driver, workflow } from './test-driver.fake.js';

const engine = await createJqEngine();

test('a document is in Thand\'s dialect when any task names a thand built-in, however deep', () => {
  assert.equal(isThandDialect(workflow([{ v: { thand: 'validate' } }])), true);
  assert.equal(isThandDialect(workflow([{ loop: { for: { in: '${ .xs }' }, do: [{ t: { try: [{ n: { call: 'thand.notify' } }], catch: {} } }] } }])), true);
  assert.equal(isThandDialect(workflow([{ v: { call: 'lease.validate' } }, { n: { lease: 'notify' } }, { s: { set: { call: 'thandy' } } }])), false);
});

test('in Thand\'s dialect $input is the workflow input in input.from, in the task and in the workflow output.as', () => {
  const doc = workflow(
    [
      { validate: { thand: 'validate' } },
      { narrow: { input: { from: '${ {only: $input.reason} }' }, set: { only: '${ .only }', seen: '${ $input.reason }' } } },
    ],
    { output: { as: '${ . + {user: $input.user} }' } },
  );
  const d = new Driver(doc, engine);
  d.start({ reason: 'INC-2', user: 'ada' });
  assert.deepEqual(d.complete('lease.validate', { valid: true }).state.output, { only: 'INC-2', seen: 'INC-2', user: 'ada' });
});

test('in Thand\'s dialect a non-object input leaves $context {} and is $input as it is', () => {
  const d = new Driver(workflow([{ validate: { thand: 'validate' } }, { report: { set: { context: '${ $context }', input: '${ $input }' } } }]), engine);
  d.start(5);
  assert.deepEqual(d.complete('lease.validate', { valid: true }).state.output, { context: {}, input: 5 });
});

test('a state saved before the workflow input was kept reads the raw input as Thand\'s $input', () => {
  const d = new Driver(workflow([{ validate: { thand: 'validate' } }, { report: { set: { seen: '${ $input.reason }' } } }]), engine);
  d.start({ reason: 'INC-3' });
  const saved = { ...d.state } as Record<string, unknown>;
  delete saved.workflow_input;
  d.state = saved as typeof d.state;
  assert.deepEqual(d.complete('lease.validate', { valid: true }).state.output, { seen: 'INC-3' });
});
