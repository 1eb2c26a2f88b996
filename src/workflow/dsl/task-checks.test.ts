import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJqEngine } from '../expressions/index.js';
import { validateWorkflowDocument } from './validate.js';

const jq = await createJqEngine();
const header = { dsl: '1.0.0', namespace: 'test', name: 'test', version: '1.0.0' };
const paths = (tasks: unknown[], extra: Record<string, unknown> = {}) => validateWorkflowDocument({ document: header, do: tasks, ...extra }, jq).map((i) => i.path);

test('listen needs exactly one of one, any, all, with filters', () => {
  assert.deepEqual(paths([{ a: { listen: { to: { one: { with: { type: 'x' } } } } } }]), []);
  assert.deepEqual(paths([{ a: { listen: { to: {} } } }, { b: { listen: { to: { all: [{ type: 'x' }] } } } }, { c: { listen: { to: { one: { with: { type: 'x' } } }, until: 'true' } } }]), ['do/0/a/listen/to', 'do/1/b/listen/to/all/0']);
  assert.deepEqual(paths([{ a: { listen: { to: { all: [{ with: { type: 'x' } }], until: '${ true }' } } } }]), ['do/0/a/listen/to/until']);
});

test('try needs a catch; named retries, timeouts and errors must be declared; retries need a limit', () => {
  assert.deepEqual(paths([{ a: { try: [{ b: { set: {} } }] } }]), ['do/0/a/catch']);
  assert.deepEqual(paths([{ a: { try: [{ b: { set: {} } }], catch: { retry: 'nope' } } }, { c: { wait: 'PT1S', timeout: 'nope' } }]), ['do/0/a/catch/retry', 'do/1/c/timeout']);
  assert.deepEqual(paths([{ a: { try: [{ b: { set: {} } }], catch: { retry: { delay: 'PT1S' } } } }]), ['do/0/a/catch/retry/limit']);
});

test('for needs an expression in `in`; fork branches may not jump to each other', () => {
  assert.deepEqual(paths([{ a: { for: { in: [1, 2] }, do: [{ b: { set: {} } }] } }]), ['do/0/a/for/in']);
  assert.deepEqual(paths([{ a: { fork: { branches: [{ x: { set: {}, then: 'y' } }, { y: { set: {} } }] } } }]), ['do/0/a/fork/branches/0/x/then']);
});

test('emit needs a type; schemas must compile; $secrets must be declared', () => {
  assert.deepEqual(paths([{ a: { emit: { event: { with: { data: 1 } } } } }]), ['do/0/a/emit/event/with/type']);
  assert.deepEqual(paths([{ a: { set: {}, output: { schema: { document: { type: 'nonsense' } } } } }]), ['do/0/a/output/schema']);
  assert.deepEqual(paths([{ a: { set: { t: '${ $secrets.token }' } } }]), ['do/0/a/set/t']);
  assert.deepEqual(paths([{ a: { set: { t: '${ $secrets.token }' } } }], { use: { secrets: ['token'] } }), []);
});

test('http calls need a method and an endpoint; use.functions names are calls', () => {
  assert.deepEqual(paths([{ a: { call: 'http', with: { method: 'get' } } }]), ['do/0/a/with/endpoint']);
  assert.deepEqual(paths([{ a: { call: 'fn' } }], { use: { functions: { fn: { call: 'lease.notify' } } } }), []);
  assert.deepEqual(paths([{ a: { call: 'fn' } }], { use: { functions: { fn: { call: 'teleport' } } } }), ['use/functions/fn/call']);
});

test('lease.approvals: count is a whole number, on_timeout a sibling and needs a timeout', () => {
  assert.deepEqual(paths([{ a: { call: 'lease.approvals', with: { count: 0, on_timeout: 'nowhere' } } }]), ['do/0/a/with/count', 'do/0/a/with/on_timeout', 'do/0/a/with/on_timeout']);
});

test("thand.approvals in Thand's form: approvals is the count, on names sibling tasks, selfApprove and notifiers are said to be ignored", () => {
  const issues = (task: Record<string, unknown>) =>
    validateWorkflowDocument({ document: header, do: [{ a: { thand: 'approvals', ...task } }, { ok: { set: {} } }, { no: { set: {} } }] }, jq).map((i) => [i.path, i.warning === true, i.unresolved === true]);
  assert.deepEqual(issues({ on: { approved: 'ok', denied: 'no' }, with: { approvals: 2 } }), []);
  assert.deepEqual(issues({ with: { approvals: 0 } }), [['do/0/a/with/approvals', false, false]]);
  assert.deepEqual(issues({ with: { approvals: 1, count: 1 } }), [['do/0/a/with/approvals', false, false]]);
  assert.deepEqual(issues({ on: { approved: 'gone', later: 'ok' } }), [['do/0/a/on/later', false, false], ['do/0/a/on/approved', false, true]]);
  assert.deepEqual(issues({ with: { selfApprove: true, notifiers: { email: { provider: 'mail', to: 'x' } } } }), [
    ['do/0/a/with/selfApprove', true, false],
    ['do/0/a/with/notifiers', true, false],
  ]);
});
