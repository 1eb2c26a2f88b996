import { checkAgainstSchema } from '../dsl/schema.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJqEngine } from '../expressions/index.js';
import { resumeWorkflow } from './interpreter.js';
import { Driver, T0, workflow } from './test-driver.fake.js';

const engine = await createJqEngine();

test('set outputs the set object, evaluated against the input', () => {
  const d = new Driver(workflow([{ greet: { set: { text: '${ "hi " + .name }', n: 1 } } }]), engine);
  const step = d.start({ name: 'ada' });
  assert.equal(step.state.status, 'completed');
  assert.deepEqual(step.state.output, { text: 'hi ada', n: 1 });
  assert.deepEqual(step.commands, []);
});

test('each task receives the previous task output', () => {
  const d = new Driver(workflow([{ a: { set: { x: 1 } } }, { b: { set: { y: '${ .x + 1 }' } } }]), engine);
  assert.deepEqual(d.start().state.output, { y: 2 });
});

test('switch takes the first matching case, bare jq or ${ }, and jumps to its then', () => {
  const doc = workflow([
    { route: { switch: [{ low: { when: '.n < 10', then: 'small' } }, { high: { when: '${ .n >= 10 }', then: 'big' } }] } },
    { small: { set: { size: 'small' }, then: 'end' } },
    { big: { set: { size: 'big' }, then: 'end' } },
  ]);
  assert.deepEqual(new Driver(doc, engine).start({ n: 3 }).state.output, { size: 'small' });
  assert.deepEqual(new Driver(doc, engine).start({ n: 30 }).state.output, { size: 'big' });
});

test('switch takes the default case only when no other case matches, and continues when nothing matches', () => {
  const doc = workflow([
    { route: { switch: [{ other: { then: 'fallback' } }, { yes: { when: '.ok', then: 'chosen' } }] } },
    { fallback: { set: { path: 'fallback' }, then: 'end' } },
    { chosen: { set: { path: 'chosen' }, then: 'end' } },
  ]);
  assert.deepEqual(new Driver(doc, engine).start({ ok: true }).state.output, { path: 'chosen' });
  assert.deepEqual(new Driver(doc, engine).start({ ok: false }).state.output, { path: 'fallback' });
  const noDefault = workflow([{ route: { switch: [{ yes: { when: '.ok', then: 'end' } }] } }, { next: { set: { continued: true } } }]);
  assert.deepEqual(new Driver(noDefault, engine).start({ ok: false }).state.output, { continued: true });
});

test('then: a task name jumps, end ends the workflow, exit leaves the current list', () => {
  const doc = workflow([
    { a: { set: { trail: ['a'] }, then: 'c' } },
    { b: { set: { trail: '${ .trail + ["b"] }' } } },
    {
      c: {
        do: [
          { c1: { set: { trail: '${ .trail + ["c1"] }' }, then: 'exit' } },
          { c2: { set: { trail: '${ .trail + ["c2"] }' } } },
        ],
      },
    },
    { d: { set: { trail: '${ .trail + ["d"] }' }, then: 'end' } },
    { e: { set: { trail: '${ .trail + ["e"] }' } } },
  ]);
  assert.deepEqual(new Driver(doc, engine).start().state.output, { trail: ['a', 'c1', 'd'] });
});

test('a task whose if is false is skipped and its input passes through', () => {
  const doc = workflow([{ a: { set: { n: 1 } } }, { b: { if: '${ .n > 5 }', set: { skipped: false } } }, { c: { if: '.n == 1', set: { n: '${ .n + 1 }' } } }]);
  assert.deepEqual(new Driver(doc, engine).start().state.output, { n: 2 });
});

test('nested do runs with the task input and outputs the last inner output', () => {
  const doc = workflow([
    { outer: { do: [{ inner1: { set: { v: '${ .v * 2 }' } } }, { inner2: { set: { v: '${ .v + 1 }' } } }], output: { as: '${ .v }' } } },
    { after: { set: { result: '${ . }' } } },
  ]);
  assert.deepEqual(new Driver(doc, engine).start({ v: 5 }).state.output, { result: 11 });
});

test('input.from, output.as and export.as transform data and $context', () => {
  const doc = workflow([
    { pick: { input: { from: '${ .request }' }, set: { reason: '${ .reason }', seen: '${ $input.reason }' }, output: { as: '${ {why: .reason, seen} }' }, export: { as: '${ $context + {why: .why} }' } } },
    { read: { set: { fromContext: '${ $context.why }', task: '${ $task.name }', input: '${ $workflow.input.request.reason }' } } },
  ]);
  const step = new Driver(doc, engine).start({ request: { reason: 'INC-1' } });
  assert.deepEqual(step.state.output, { fromContext: 'INC-1', task: 'read', input: 'INC-1' });
});

test('$context starts as the request and export.as replaces it', () => {
  const doc = workflow(
    [
      { first: { set: { approved: true }, export: { as: '${ $context + {approvals: [.]} }' } } },
      { second: { set: { approved: false }, export: { as: '${ $context + {approvals: ($context.approvals + [.])} }' } } },
    ],
    { output: { as: '${ {user: $context.user, approvals: $context.approvals} }' } },
  );
  const step = new Driver(doc, engine).start({ user: 'ada' });
  assert.deepEqual(step.state.output, { user: 'ada', approvals: [{ approved: true }, { approved: false }] });
});

test('wait issues a timer at now + duration and continues with its input when it fires', () => {
  const doc = workflow([{ a: { set: { x: 1 } } }, { pause: { wait: 'PT5S' } }, { b: { wait: { minutes: 1, milliseconds: 500 } } }]);
  const d = new Driver(doc, engine);
  const step = d.start();
  assert.equal(step.state.status, 'waiting');
  assert.deepEqual(step.commands, [{ kind: 'timer', id: 't1', task: '/do/1/pause', at: T0 + 5_000 }]);
  d.now = T0 + 5_000;
  const second = d.fire();
  assert.deepEqual(second.commands, [{ kind: 'timer', id: 't2', task: '/do/2/b', at: T0 + 5_000 + 60_500 }]);
  const last = d.fire();
  assert.equal(last.state.status, 'completed');
  assert.deepEqual(last.state.output, { x: 1 });
});

test('raise faults with the error and the task pointer as instance', () => {
  const doc = workflow([{ check: { do: [{ refuse: { raise: { error: { type: 'https://lease.dev/errors/denied', status: 403, title: 'Denied', detail: '${ "no: " + .why }' } } } }] } }]);
  const step = new Driver(doc, engine).start({ why: 'policy' });
  assert.equal(step.state.status, 'faulted');
  assert.deepEqual(step.state.error, { type: 'https://lease.dev/errors/denied', status: 403, title: 'Denied', detail: 'no: policy', instance: '/do/0/check/do/0/refuse' });
});

test('raise may name an error declared in use.errors', () => {
  const doc = workflow([{ refuse: { raise: { error: 'denied' } } }], { use: { errors: { denied: { type: 'urn:denied', status: 403 } } } });
  assert.deepEqual(new Driver(doc, engine).start().state.error, { type: 'urn:denied', status: 403, instance: '/do/0/refuse' });
});

test('an expression failure faults with the expression error type, status 400', () => {
  const step = new Driver(workflow([{ bad: { set: { x: '${ .a + "s" }' } } }]), engine).start({ a: 1 });
  assert.equal(step.state.status, 'faulted');
  assert.equal(step.state.error?.type, 'https://serverlessworkflow.io/spec/1.0.0/errors/expression');
  assert.equal(step.state.error?.status, 400);
  assert.equal(step.state.error?.instance, '/do/0/bad');
  assert.match(step.state.error?.detail ?? '', /cannot be added/);
});

test('call evaluates its with arguments deeply and outputs the activity result', () => {
  const doc = workflow([{ notify: { call: 'lease.notify', with: { to: ['${ .user.email }'], message: 'Hello ${ .user.name }', meta: { n: '${ .n }' } } } }]);
  const d = new Driver(doc, engine);
  const step = d.start({ user: { email: 'a@x', name: 'Ada' }, n: 2 });
  assert.deepEqual(step.commands, [{ kind: 'call', id: 'c1', task: '/do/0/notify', name: 'lease.notify', args: { to: ['a@x'], message: 'Hello Ada', meta: { n: 2 } } }]);
  const done = d.complete('lease.notify', { sent: true });
  assert.equal(done.state.status, 'completed');
  assert.deepEqual(done.state.output, { sent: true });
});

test('a failed call faults the workflow with its error at the call task', () => {
  const d = new Driver(workflow([{ v: { call: 'lease.validate' } }]), engine);
  d.start();
  const step = d.fail('lease.validate', { type: 'https://lease.dev/errors/not_in_scope', status: 403, title: 'not in scope' });
  assert.equal(step.state.status, 'faulted');
  assert.deepEqual(step.state.error, { type: 'https://lease.dev/errors/not_in_scope', status: 403, title: 'not in scope', instance: '/do/0/v' });
  assert.deepEqual(step.state.pending, []);
});

test('a duplicate or unknown resume returns the state unchanged with no commands', () => {
  const d = new Driver(workflow([{ v: { call: 'lease.validate' } }, { w: { wait: 'PT1S' } }]), engine);
  d.start();
  const id = d.call('lease.validate').id;
  const after = d.complete('lease.validate', { ok: true });
  for (const resume of [
    { kind: 'call.completed' as const, id, result: { ok: false } },
    { kind: 'call.completed' as const, id: 'nope', result: {} },
    { kind: 'call.completed' as const, id: d.timer().id, result: {} },
    { kind: 'event' as const, event: { type: 'com.example.other', data: { secret: 'x' } } },
  ]) {
    const step = resumeWorkflow(d.doc, after.state, resume, { now: T0, expressions: engine, schemas: checkAgainstSchema });
    assert.equal(step.state, after.state);
    assert.deepEqual(step.commands, []);
  }
});

test('a finished workflow ignores further resumes', () => {
  const d = new Driver(workflow([{ a: { set: { x: 1 } } }]), engine);
  const done = d.start();
  const step = resumeWorkflow(d.doc, done.state, { kind: 'timer.fired', id: 't1' }, { now: T0, expressions: engine, schemas: checkAgainstSchema });
  assert.equal(step.state, done.state);
});

test('resume does not modify the state it is given', () => {
  const d = new Driver(workflow([{ v: { call: 'lease.validate' } }]), engine);
  const started = d.start();
  const before = JSON.stringify(started.state);
  d.complete('lease.validate', { ok: true });
  assert.equal(JSON.stringify(started.state), before);
});

test('command ids come from a counter in the state, so they are deterministic', () => {
  const doc = workflow([{ v: { call: 'lease.validate' } }, { w: { wait: 'PT1S' } }, { n: { call: 'lease.notify' } }]);
  const run = () => {
    const d = new Driver(doc, engine);
    d.start();
    d.complete('lease.validate');
    d.fire();
    return d.steps.flatMap((s) => s.commands.map((c) => c.id));
  };
  assert.deepEqual(run(), ['c1', 't2', 'c3']);
  assert.deepEqual(run(), run());
});

test("Thand's thand: validate form and thand.* call names map to lease.*", () => {
  const doc = workflow([
    { validate: { thand: 'validate', with: { validator: 'static' }, then: 'notify' } },
    { skipped: { set: { no: true } } },
    { notify: { call: 'thand.notify', with: { message: '${ "for " + $context.user.name }\n' } } },
  ]);
  const d = new Driver(doc, engine);
  assert.deepEqual(d.start({ user: { name: 'Ada' } }).commands[0], { kind: 'call', id: 'c1', task: '/do/0/validate', name: 'lease.validate', args: { validator: 'static' } });
  const step = d.complete('lease.validate');
  assert.equal(d.call('lease.notify').task, '/do/2/notify');
  assert.deepEqual(step.commands.map((c) => c.kind === 'call' && c.args), [{ message: 'for Ada' }]);
});
