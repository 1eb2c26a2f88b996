import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJqEngine } from '../expressions/index.js';
import { DEFAULT_WORKFLOW } from './default-workflow.js';
import { validateWorkflowDocument } from './validate.js';

const jq = await createJqEngine();
const header = { dsl: '1.0.0', namespace: 'test', name: 'test', version: '1.0.0' };
const doc = (tasks: unknown[], extra: Record<string, unknown> = {}) => ({ document: header, do: tasks, ...extra });
const paths = (value: unknown) => validateWorkflowDocument(value, jq).map((issue) => issue.path);

test("accepts Thand's AWS elevation workflow as written", () => {
  const thand = {
    document: { dsl: '1.0.0-alpha5', namespace: 'thand', name: 'aws-simple-elevation', version: '1.0.0' },
    do: [
      { validate: { thand: 'validate', with: { validator: 'static' }, then: 'authorize' } },
      { authorize: { thand: 'authorize', with: { revocation: 'revoke', notifiers: { email: { to: '${ $context.identities // [$context.user.email] }', message: '>\n Granted.\n' } } }, then: 'monitor' } },
      { monitor: { thand: 'monitor', with: { monitor: 'llm', threshold: 10 }, then: 'revoke' } },
      { check: { switch: [{ denied: { when: 'any($context.approvals[]; .approved == false)', then: 'revoke' } }, { otherwise: { then: 'continue' } }] } },
      { revoke: { thand: 'revoke', then: 'end' } },
    ],
  };
  // Accepted: its only note is that Lease does not send authorize's notifiers.
  assert.deepEqual(
    validateWorkflowDocument(thand, jq).map((i) => [i.path, i.warning]),
    [['do/1/authorize/with/notifiers', true]],
  );
});

test('accepts the default workflow', () => {
  assert.deepEqual(validateWorkflowDocument(DEFAULT_WORKFLOW, jq), []);
});

test('document header: dsl must be 1.0.x, namespace/name/version required', () => {
  assert.deepEqual(paths({ do: [{ a: { set: {} } }] }), ['document']);
  assert.deepEqual(paths(doc([{ a: { set: {} } }], { document: { dsl: '0.8', namespace: '', name: 'x' } })), ['document/dsl', 'document/namespace', 'document/version']);
});

test('do must be a non-empty list of single-key maps with unique names', () => {
  assert.deepEqual(paths(doc([])), ['do']);
  assert.deepEqual(paths(doc([{ a: { set: {} }, b: { set: {} } }])), ['do/0']);
  assert.deepEqual(paths(doc([{ a: { set: {} } }, { a: { set: {} } }])), ['do/1/a']);
  assert.deepEqual(paths(doc([{ a: 'not a task' }])), ['do/0/a']);
});

test('unknown and not-yet-supported task kinds are reported', () => {
  const issues = validateWorkflowDocument(doc([{ a: { frobnicate: 1 } }, { b: { run: { shell: { command: 'ls' } } } }]), jq);
  assert.deepEqual(issues.map((i) => i.path), ['do/0/a', 'do/1/b/run']);
  assert.match(issues[0]?.message ?? '', /unknown task kind/);
  assert.match(issues[1]?.message ?? '', /not supported yet/);
});

test('unknown call names are errors; thand.* and lease.* built-ins are not', () => {
  const issues = validateWorkflowDocument(doc([{ a: { call: 'thand.authorize' } }, { b: { call: 'grpc' } }, { c: { thand: 'teleport' } }, { d: { lease: 'notify' } }]), jq);
  assert.deepEqual(issues.map((i) => i.path), ['do/1/b/call', 'do/2/c/thand']);
  assert.match(issues[0]?.message ?? '', /unknown call "grpc"/);
});

test("Thand's provider operation slack.postMessage is a known call (in a task and in use.functions); other slack.* names are not", () => {
  const post = { call: 'slack.postMessage', with: { provider: 'slack', to: 'C0123', message: { text: 'hi' } } };
  const functions = { use: { functions: { tell: { call: 'slack.postMessage' } } } };
  assert.deepEqual(paths(doc([{ a: post }, { b: { call: 'tell' } }], functions)), []);
  const issues = validateWorkflowDocument(doc([{ a: { call: 'slack.sendTelegram' } }]), jq);
  assert.deepEqual(issues.map((i) => i.path), ['do/0/a/call']);
  assert.match(issues[0]?.message ?? '', /slack\.postMessage/, 'the message lists it among the known calls');
});

test('then must be a flow directive or a sibling task, also in switch cases and nested lists', () => {
  const issues = validateWorkflowDocument(
    doc([
      { a: { set: {}, then: 'b' } },
      { b: { set: {}, then: 'nowhere' } },
      { c: { switch: [{ x: { when: '.x', then: 'inner' } }, { y: { then: 'exit' } }] } },
      { d: { do: [{ inner: { set: {}, then: 'a' } }] } },
    ]),
    jq,
  );
  assert.deepEqual(issues.map((i) => i.path), ['do/1/b/then', 'do/2/c/switch/0/x/then', 'do/3/d/do/0/inner/then']);
});

test('the revocation task of authorize must exist', () => {
  assert.deepEqual(paths(doc([{ a: { call: 'lease.authorize', with: { revocation: 'cleanup' } } }])), ['do/0/a/with/revocation']);
  assert.deepEqual(paths(doc([{ a: { call: 'lease.authorize', with: { revocation: 'cleanup' } } }, { g: { do: [{ cleanup: { call: 'lease.revoke' } }] } }])), []);
});

test('every expression and condition must compile', () => {
  const issues = validateWorkflowDocument(
    doc([
      { a: { set: { x: '${ .a + }', y: 'ok ${ .b } and ${ $nope }' }, if: '.x ==', output: { as: '${ .a' }, export: { as: '${ $context + {a: 1} }' } } },
      { b: { switch: [{ x: { when: 'any(.[]; )', then: 'end' } }] } },
    ], { output: { as: '${ ] }' } }),
    jq,
  );
  assert.deepEqual(issues.map((i) => i.path), ['output/as', 'do/0/a/if', 'do/0/a/output/as', 'do/0/a/set/x', 'do/0/a/set/y', 'do/1/b/switch/0/x/when']);
  assert.match(issues.find((i) => i.path === 'do/0/a/set/y')?.message ?? '', /\$nope is not defined/);
  assert.match(issues.find((i) => i.path === 'do/0/a/output/as')?.message ?? '', /unterminated/);
});

test('without an engine only the ${ } delimiters are checked', () => {
  assert.deepEqual(validateWorkflowDocument(doc([{ a: { set: { x: '${ .a + }', y: '${ .b' } } }])).map((i) => i.path), ['do/0/a/set/y']);
});

test('wait takes an ISO-8601 duration or a duration object', () => {
  assert.deepEqual(paths(doc([{ a: { wait: 'PT5S' } }, { b: { wait: { minutes: 1, seconds: 30 } } }])), []);
  assert.deepEqual(paths(doc([{ a: { wait: '5 seconds' } }, { b: { wait: { fortnights: 1 } } }, { c: { wait: 'P1M' } }])), ['do/0/a/wait', 'do/1/b/wait/fortnights', 'do/2/c/wait']);
});

test('raise needs an error with type and status, or a declared error name', () => {
  assert.deepEqual(paths(doc([{ a: { raise: { error: { type: 'urn:x' } } } }])), ['do/0/a/raise/error/status']);
  assert.deepEqual(paths(doc([{ a: { raise: { error: 'denied' } } }])), ['do/0/a/raise/error']);
  assert.deepEqual(paths(doc([{ a: { raise: { error: 'denied' } } }], { use: { errors: { denied: { type: 'urn:d', status: 403 } } } })), []);
});

test('set must be an object or an expression', () => {
  assert.deepEqual(paths(doc([{ a: { set: 5 } }])), ['do/0/a/set']);
});

test('a non-object document is refused', () => {
  assert.deepEqual(validateWorkflowDocument('nope'), [{ path: '', message: 'a workflow must be an object' }]);
});
