import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Identity } from '../../core/index.js';
import { SudoGrantRefused } from './errors.js';
import { accountFor, accountOfGrantFile, commandList, grantFileName, renderGrantFile, requestIdOfFile, sudoersTimestamp, tempFileName } from './rule.js';

const REQ = 'req_01jq0000000000000000000000';
const alice: Identity = { id: 'alice', email: 'alice@example.com', groups: [], provider: 'local', provider_type: 'local' };

function refusedWith(code: string) {
  return (err: unknown) => err instanceof SudoGrantRefused && err.code === code;
}

describe('sudo rule', () => {
  test('names the drop-in after the request id, and the temp file so sudo skips it', () => {
    assert.equal(grantFileName(REQ), `lease-${REQ}`);
    assert.equal(tempFileName(REQ), `.lease-${REQ}.tmp`);
    assert.equal(requestIdOfFile(`lease-${REQ}`), REQ);
    assert.equal(requestIdOfFile(`.lease-${REQ}.tmp`), null);
    assert.equal(requestIdOfFile('README'), null);
  });

  test('refuses request ids that are not Lease ids', () => {
    for (const id of ['../etc/passwd', 'req_01jq', 'req_01jq0000000000000000000000/x', 'REQ_01JQ0000000000000000000000', 'req_01jq000000000000000000000.', '']) {
      assert.throws(() => grantFileName(id), refusedWith('sudo_invalid_request_id'), id);
    }
  });

  test('maps an identity to its account by id, then email, else uses the id', () => {
    assert.equal(accountFor(alice, {}), 'alice');
    assert.equal(accountFor(alice, { 'alice@example.com': 'al' }), 'al');
    assert.equal(accountFor(alice, { alice: 'ali', 'alice@example.com': 'al' }), 'ali');
  });

  test('does not take account mappings from the prototype chain', () => {
    const odd: Identity = { ...alice, id: 'constructor', email: undefined };
    assert.equal(accountFor(odd, {}), 'constructor');
  });

  test('refuses account names sudo or useradd would not accept', () => {
    for (const id of ['Alice', 'a b', 'al,ice', 'root\nALL', '-alice', 'x'.repeat(33), '%admins', 'al:ice']) {
      assert.throws(() => accountFor({ ...alice, id, email: undefined }, {}), refusedWith('sudo_invalid_account'), id);
    }
    assert.equal(accountFor({ ...alice, id: 'svc_1-a$' }, {}), 'svc_1-a$');
  });

  test('grants the allow list minus the deny list', () => {
    assert.equal(commandList({ allow: ['/usr/bin/id', '/usr/bin/whoami'], deny: ['/usr/bin/whoami'] }), '/usr/bin/id');
  });

  test('a deny without arguments covers the command with any arguments', () => {
    const list = commandList({ allow: ['/usr/bin/systemctl restart nginx', '/usr/bin/id'], deny: ['/usr/bin/systemctl'] });
    assert.equal(list, '/usr/bin/id');
  });

  test('a deny with arguments covers only that exact command line', () => {
    const list = commandList({ allow: ['/usr/bin/systemctl restart nginx', '/usr/bin/systemctl status nginx'], deny: ['/usr/bin/systemctl restart nginx'] });
    assert.equal(list, '/usr/bin/systemctl status nginx');
  });

  test('ALL grants everything, and negates denies in sudoers form', () => {
    assert.equal(commandList({ allow: ['ALL'], deny: [] }), 'ALL');
    assert.equal(commandList({ allow: ['ALL', '/usr/bin/id'], deny: ['/usr/bin/passwd', '/bin/su'] }), 'ALL, !/usr/bin/passwd, !/bin/su');
  });

  test('refuses a role that grants nothing once denies apply', () => {
    assert.throws(() => commandList({ allow: [], deny: [] }), refusedWith('sudo_nothing_to_grant'));
    assert.throws(() => commandList({ allow: ['/usr/bin/id'], deny: ['/usr/bin/id'] }), refusedWith('sudo_nothing_to_grant'));
    assert.throws(() => commandList({ allow: ['ALL'], deny: ['ALL'] }), refusedWith('sudo_nothing_to_grant'));
  });

  test('normalises spaces and keeps the "no arguments" marker', () => {
    assert.equal(commandList({ allow: ['  /usr/bin/id   -u '], deny: [] }), '/usr/bin/id -u');
    assert.equal(commandList({ allow: ['/usr/bin/id ""'], deny: [] }), '/usr/bin/id ""');
  });

  test('refuses commands that could break out of the sudoers rule', () => {
    const bad = [
      'usr/bin/id', // relative
      'id',
      '/usr/bin/', // a directory: every command in it
      '/usr/bin/id\nalice ALL=(ALL) ALL',
      '/usr/bin/id, /bin/sh',
      '/usr/bin/id:x',
      '/usr/bin/env FOO=bar',
      '/usr/bin/id \\',
      '/usr/bin/id # comment',
      '/usr/bin/*',
      '/usr/bin/cat /var/log/*',
      '/usr/bin/id\t-u',
      '!/usr/bin/id',
      '/usr/../bin/sh',
      '/usr/bin/id "quoted"',
      '/usr/bin/id ""x',
      '/usr/bin/ïd',
      '',
      `/${'a'.repeat(1100)}`,
    ];
    for (const cmd of bad) assert.throws(() => commandList({ allow: [cmd], deny: [] }), refusedWith('sudo_invalid_command'), JSON.stringify(cmd));
    assert.throws(() => commandList({ allow: ['ALL'], deny: ['/bin/sh, /usr/bin/id'] }), refusedWith('sudo_invalid_command'));
  });

  test('names the offending permission in the refusal', () => {
    assert.throws(
      () => commandList({ allow: ['/usr/bin/id', 'rm -rf /'], deny: [] }),
      (err: unknown) => err instanceof SudoGrantRefused && err.field === 'role.permissions.allow[1]' && /not an absolute path/.test(err.message),
    );
  });

  test('writes the expiry as a sudoers NOTAFTER timestamp in UTC', () => {
    assert.equal(sudoersTimestamp('2026-03-04T05:06:07.890Z'), '20260304050607Z');
    assert.equal(sudoersTimestamp('2026-03-04T07:06:07+02:00'), '20260304050607Z');
    assert.throws(() => sudoersTimestamp('tomorrow'), refusedWith('sudo_invalid_expiry'));
  });

  test('renders a header and one rule, masking control characters in comments', () => {
    const text = renderGrantFile({
      requestId: REQ,
      roleId: 'ops\nalice ALL=(ALL) ALL',
      account: 'alice',
      expiresAt: '2026-01-01T01:00:00Z',
      runAs: 'ALL',
      nopasswd: true,
      commands: '/usr/bin/id',
    });
    const lines = text.split('\n');
    assert.deepEqual(lines.filter((l) => !l.startsWith('#')), ['alice ALL=(ALL) NOTAFTER=20260101010000Z NOPASSWD: /usr/bin/id', '']);
    assert.ok(lines.includes('# role: ops?alice ALL=(ALL) ALL'));
    assert.ok(lines.some((l) => l.includes(REQ) && l.startsWith('#')));
    assert.ok(lines.includes('# expires: 2026-01-01T01:00:00.000Z'));
    assert.ok(text.includes('managed by Lease — do not edit'));
  });

  test('omits NOPASSWD when the provider requires the password', () => {
    const text = renderGrantFile({ requestId: REQ, roleId: 'r', account: 'alice', expiresAt: '2026-01-01T01:00:00Z', runAs: 'root', nopasswd: false, commands: 'ALL' });
    assert.match(text, /^alice ALL=\(root\) NOTAFTER=20260101010000Z ALL$/m);
  });

  test('reads the account back from a drop-in', () => {
    const text = renderGrantFile({ requestId: REQ, roleId: 'r', account: 'bob', expiresAt: '2026-01-01T01:00:00Z', runAs: 'ALL', nopasswd: true, commands: 'ALL' });
    assert.equal(accountOfGrantFile(text), 'bob');
    assert.equal(accountOfGrantFile('# only comments\n'), null);
  });
});
