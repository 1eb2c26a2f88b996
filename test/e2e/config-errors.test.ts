// A broken configuration is refused at start with the file, the path inside it and what was
// expected; `lease config validate` prints every problem at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runLease, tempDir, writeFiles } from '../support/lease-process.js';

describe('configuration errors', () => {
  let dir: { path: string; cleanup: () => Promise<void> };

  before(async () => {
    dir = await tempDir();
    await writeFiles(dir.path, {
      'broken/roles.yaml': `version: "1.0"
roles:
  admin:
    name: Admin
    description: x
    colour: red
    max_duration: forever
`,
      'broken/workflows.yaml': `version: "1.0"
workflows:
  approve:
    workflow:
      document: { dsl: "1.0.0", namespace: test, name: approve, version: "1.0.0" }
      do:
        - validate:
            call: lease.validate
        - check:
            switch:
              - bad:
                  when: \${ .reason | | }
                  then: nowhere
`,
      'broken/providers.yaml': `version: "1.0"
providers:
  box:
    name: Box
    provider: sudo
    config:
      sudoers_dirr: /tmp/x
`,
    });
  });

  after(async () => dir?.cleanup());

  it('lease server refuses to start, naming file and path', async () => {
    const r = await runLease(['server', '--config', join(dir.path, 'broken'), '--data', join(dir.path, 'data'), '--port', '0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /roles\.yaml/);
    assert.match(r.stderr, /roles\.admin\.colour/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });

  it('lease config validate prints all errors at once', async () => {
    const r = await runLease(['config', 'validate', join(dir.path, 'broken')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /roles\.yaml: roles\.admin\.colour/);
    assert.match(r.stderr, /roles\.yaml: roles\.admin\.max_duration/);
    assert.match(r.stderr, /providers\.yaml: providers\.box\.config\.sudoers_dirr/);
  });

  it('refuses a workflow with bad jq or a missing then target, naming workflow and task', async () => {
    const r = await runLease(['config', 'validate', join(dir.path, 'broken')]);
    assert.notEqual(r.code, 0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('workflows.yaml'));
    assert.ok(lines.some((l) => /workflows\.approve\.workflow\.do\[1\]\.check/.test(l) && /syntax|compile/i.test(l)), r.stderr);
    assert.ok(lines.some((l) => /workflows\.approve\.workflow\.do\[1\]\.check/.test(l) && /nowhere/.test(l)), r.stderr);
  });

  it('lease config validate accepts the examples', async () => {
    const r = await runLease(['config', 'validate', 'examples']);
    assert.equal(r.code, 0, r.stderr);
  });
});
