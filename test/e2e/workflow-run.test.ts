// `lease workflow run`: a workflow on its own, events from the command line, output as one JSON
// document, DSL errors with the spec's types and exit codes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runLease, tempDir, writeFiles } from '../support/lease-process.js';
import { startTemporalDevServer } from '../support/temporal.js';

describe('lease workflow run', () => {
  let dir: { path: string; cleanup: () => Promise<void> };

  before(async () => {
    dir = await tempDir();
    await writeFiles(dir.path, {
      'route.yaml': `document: { dsl: "1.0.0", namespace: test, name: route, version: "1.0.0" }
do:
  - size:
      set:
        big: \${ .n > 10 }
        n: \${ .n }
  - pick:
      switch:
        - large: { when: '\${ .big }', then: large }
        - small: { then: small }
  - large:
      set: { answer: 'large', n: '\${ .n }' }
      then: end
  - small:
      set: { answer: 'small', n: '\${ .n }' }
`,
      'workflows.yaml': `version: "1.0"
workflows:
  approval:
    name: Approval
    workflow:
      document: { dsl: "1.0.0-alpha5", namespace: thand, name: approval, version: "1.0.0" }
      do:
        - validate:
            call: thand.validate
        - notify:
            call: thand.notify
            with: { provider: slack, to: ops, message: '\${ "approve \\\\(.reason)" }', approvals: true }
        - approvals:
            listen:
              to:
                one:
                  with:
                    type: com.thand.approval
            output:
              as: '\${ { "approvals": [{"approved": .data.approved}] } }'
            export:
              as: '\${ $context + { approvals: ($context.approvals // []) + .approvals } }'
        - check:
            switch:
              - denied:
                  when: any($context.approvals[]; .approved == false)
                  then: denied
              - enough:
                  when: '[$context.approvals[] | select(.approved == true)] | length > 1'
                  then: authorize
              - more:
                  then: approvals
        - authorize:
            call: thand.authorize
            then: done
        - denied:
            raise:
              error: { type: https://lease.dev/errors/denied, status: 403, title: approval_denied }
        - done:
            set: { granted: true, approvals: '\${ $context.approvals | length }' }
  other:
    workflow:
      document: { dsl: "1.0.0", namespace: test, name: other, version: "1.0.0" }
      do:
        - one: { set: { x: 1 } }
`,
      'slack.yaml': `document: { dsl: "1.0.0-alpha5", namespace: thand, name: slack, version: "1.0.0" }
do:
  - check:
      call: thand.validate
  - tell:
      call: slack.postMessage
      with: { provider: slack, to: C0123, message: { text: '\${ "asked: \\(.reason)" }' } }
`,
      'raise.yaml': `document: { dsl: "1.0.0", namespace: test, name: raise, version: "1.0.0" }
do:
  - raiseError:
      raise:
        error: { type: https://example.com/errors/nope, status: 418, title: Nope, detail: not today }
`,
      'timeout.yaml': `document: { dsl: "1.0.0", namespace: test, name: timeout, version: "1.0.0" }
do:
  - wait_for_it:
      listen:
        to:
          one:
            with: { type: com.example.never }
      timeout:
        after: PT0.3S
`,
      'bad-jq.yaml': `document: { dsl: "1.0.0", namespace: test, name: badjq, version: "1.0.0" }
do:
  - broken:
      set: { x: '\${ .a | | }' }
`,
      'runtime-jq.yaml': `document: { dsl: "1.0.0", namespace: test, name: rtjq, version: "1.0.0" }
do:
  - boom:
      set: { x: '\${ .a | error("kaput") }' }
`,
    });
  });

  after(async () => dir?.cleanup());

  it('prints the output of a DSL document as one JSON document', async () => {
    const r = await runLease(['workflow', 'run', join(dir.path, 'route.yaml'), '--input', '{"n": 42}']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { answer: 'large', n: 42 });
    const small = await runLease(['workflow', 'run', join(dir.path, 'route.yaml'), '--input', '{"n": 2}']);
    assert.deepEqual(JSON.parse(small.stdout), { answer: 'small', n: 2 });
  });

  it('runs a Thand approval workflow picked by --name, with approval events', async () => {
    const approve = '{"type":"com.thand.approval","data":{"approved":true}}';
    const r = await runLease([
      'workflow', 'run', join(dir.path, 'workflows.yaml'), '--name', 'approval',
      '--input', '{"reason":"deploy","duration":"PT1H"}', '--event', approve, '--event', approve,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { granted: true, approvals: 2 });
  });

  it('gives the same answers on the Temporal runtime', async (t) => {
    const temporal = await startTemporalDevServer(t);
    if (!temporal) return;
    const onTemporal = ['--runtime', 'temporal', '--temporal-address', temporal.address];
    const route = await runLease(['workflow', 'run', join(dir.path, 'route.yaml'), '--input', '{"n": 42}', ...onTemporal], { env: { LEASE_LOG_LEVEL: 'info' } });
    assert.equal(route.code, 0, route.stderr);
    assert.deepEqual(JSON.parse(route.stdout), { answer: 'large', n: 42 });
    // The worker starts from the bundle the build wrote into dist/, not from one it bundles now.
    assert.match(route.stderr, /temporal worker running/);
    assert.doesNotMatch(route.stderr, /bundling the workflow code/);
    const approve = '{"type":"com.thand.approval","data":{"approved":true}}';
    const approval = await runLease(['workflow', 'run', join(dir.path, 'workflows.yaml'), '--name', 'approval', '--event', approve, '--event', approve, ...onTemporal]);
    assert.equal(approval.code, 0, approval.stderr);
    assert.deepEqual(JSON.parse(approval.stdout), { granted: true, approvals: 2 });
    const raised = await runLease(['workflow', 'run', join(dir.path, 'raise.yaml'), '--json', ...onTemporal]);
    assert.equal(raised.code, 1);
    assert.equal(JSON.parse(raised.stdout).error.instance, '/do/0/raiseError');
  });

  it('a denial ends the approval workflow with the raised error', async () => {
    const r = await runLease([
      'workflow', 'run', join(dir.path, 'workflows.yaml'), '--name', 'approval', '--json',
      '--event', '{"type":"com.thand.approval","data":{"approved":false}}',
    ]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).error.title, 'approval_denied');
  });

  it("records Thand's slack.postMessage in the dry run, as it does the access calls", async () => {
    const r = await runLease(['workflow', 'run', join(dir.path, 'slack.yaml'), '--input', '{"reason":"deploy"}'], { env: { LEASE_LOG_LEVEL: 'info' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { sent: true, dry_run: true });
    const recorded = r.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; call?: string; task?: string })
      .filter((entry) => entry.msg === 'dry run');
    assert.deepEqual(recorded.map((entry) => [entry.call, entry.task]), [['lease.validate', '/do/0/check'], ['slack.postMessage', '/do/1/tell']]);
  });

  it('asks for --name when a workflows file holds several', async () => {
    const r = await runLease(['workflow', 'run', join(dir.path, 'workflows.yaml')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--name/);
  });

  it('an uncaught error exits 1 and prints the DSL error fields with --json', async () => {
    const r = await runLease(['workflow', 'run', join(dir.path, 'raise.yaml'), '--json']);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout), {
      error: { type: 'https://example.com/errors/nope', status: 418, title: 'Nope', detail: 'not today', instance: '/do/0/raiseError' },
    });
  });

  it('a listen with nothing to consume ends with the timeout error', async () => {
    const r = await runLease(['workflow', 'run', join(dir.path, 'timeout.yaml'), '--json', '--event', '{"type":"com.example.other"}']);
    assert.equal(r.code, 1);
    const { error } = JSON.parse(r.stdout);
    assert.equal(error.type, 'https://serverlessworkflow.io/spec/1.0.0/errors/timeout');
    assert.equal(error.status, 408);
  });

  it('a jq failure at run time is an expression error (400)', async () => {
    const r = await runLease(['workflow', 'run', join(dir.path, 'runtime-jq.yaml'), '--json']);
    assert.equal(r.code, 1);
    const { error } = JSON.parse(r.stdout);
    assert.equal(error.type, 'https://serverlessworkflow.io/spec/1.0.0/errors/expression');
    assert.equal(error.status, 400);
  });

  it('refuses a document that fails load-time validation, naming the task', async () => {
    const r = await runLease(['workflow', 'run', join(dir.path, 'bad-jq.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /badjq: .*broken/);
    assert.equal(r.stdout, '');
  });
});
