import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APPROVE_ACTION, DENY_ACTION, approvalRequestBlocks, decidedBlocks, escapeMrkdwn, leaseNoticeBlocks, leaseNoticeText, type RequestSummary } from './blocks.js';

const summary: RequestSummary = {
  id: 'req_1',
  role: 'debug',
  roleName: 'Debug',
  provider: 'box',
  requester: 'alice@example.com',
  requesterName: 'Alice',
  reason: 'INC-1 <!channel> & <https://evil.example|click here>',
  duration: '10m',
};

/** Every mrkdwn text of the blocks, joined. */
function texts(blocks: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out.join('\n');
}

describe('Block Kit messages', () => {
  it('escapes Slack\'s control characters in people\'s text, so a reason cannot mention or link', () => {
    assert.equal(escapeMrkdwn('a & b <!here> <@U1> <https://x|y>'), 'a &amp; b &lt;!here&gt; &lt;@U1&gt; &lt;https://x|y&gt;');
    const all = texts(approvalRequestBlocks(summary, 'Alice <@U123> asks', true));
    assert.ok(all.includes('INC-1 &lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;'), all);
    assert.ok(all.includes('Alice &lt;@U123&gt; asks'), all);
    assert.equal(/<[!@h]/.test(all), false, 'no mention or link survives');
  });

  it('shows who, role, provider, duration and reason, and Approve / Deny buttons carrying the request id', () => {
    const blocks = approvalRequestBlocks(summary, 'please look', true);
    const all = texts(blocks);
    for (const part of ['*Requester*\nAlice (alice@example.com)', '*Role*\nDebug (`debug`)', '*Provider*\n`box`', '*Duration*\n10m', '*Reason*\nINC-1']) {
      assert.ok(all.includes(part), `${part} in ${all}`);
    }
    const actions = blocks.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string; value: string; style: string }> };
    assert.deepEqual(
      actions.elements.map((e) => [e.action_id, e.value, e.style]),
      [
        [APPROVE_ACTION, 'req_1', 'primary'],
        [DENY_ACTION, 'req_1', 'danger'],
      ],
    );
  });

  it('has no buttons without approvals, and keeps them after a decision only while more are needed', () => {
    assert.equal(approvalRequestBlocks(summary, '', false).some((b) => b.type === 'actions'), false);
    const one = [{ approved: true, by: 'Bob (bob@example.com)', at: '2026-01-01T00:00:00.000Z' }];
    assert.ok(decidedBlocks(summary, one, true).some((b) => b.type === 'actions'));
    const closed = decidedBlocks(summary, one, false);
    assert.equal(closed.some((b) => b.type === 'actions'), false);
    assert.match(texts(closed), /:white_check_mark: Approved by Bob \(bob@example\.com\) at 2026-01-01/);
    const denied = decidedBlocks(summary, [{ approved: false, by: 'Eve <!channel>', at: 't' }], false);
    assert.match(texts(denied), /:x: Denied by Eve &lt;!channel&gt;/);
    assert.deepEqual((denied[0] as { text: { text: string } }).text.text, 'Access request denied');
  });

  it('says how a request ended undecided (expired, withdrawn), without buttons; a denial still reads as denied', () => {
    const expired = decidedBlocks(summary, [], false, { status: 'expired', message: 'Not approved in time <!here>' });
    assert.equal((expired[0] as { text: { text: string } }).text.text, 'Access request expired');
    assert.equal(expired.some((b) => b.type === 'actions'), false);
    assert.match(texts(expired), /:no_entry_sign: Not approved in time &lt;!here&gt;/);
    const denied = decidedBlocks(summary, [{ approved: false, by: 'Eve', at: 't' }], false, { status: 'denied', message: 'denied' });
    assert.equal((denied[0] as { text: { text: string } }).text.text, 'Access request denied');
    assert.doesNotMatch(texts(denied), /no_entry_sign/);
  });

  it('keeps every section under Slack\'s 3000-character limit', () => {
    const long = approvalRequestBlocks({ ...summary, reason: 'x'.repeat(10_000) }, 'y'.repeat(10_000), true);
    for (const text of texts(long).split('\n*')) assert.ok(text.length <= 3000);
  });

  it('words the requester\'s direct messages', () => {
    const base = { requestId: 'req_1', role: 'debug', provider: 'box', expiresAt: '2026-01-01T01:00:00.000Z' };
    assert.match(leaseNoticeText({ ...base, kind: 'granted' }), /granted until 2026-01-01T01:00:00.000Z/);
    assert.match(leaseNoticeText({ ...base, kind: 'expiring' }), /expires soon, at 2026/);
    assert.match(leaseNoticeText({ ...base, kind: 'extended' }), /extended until 2026-01-01T01:00:00.000Z/);
    assert.match(leaseNoticeText({ ...base, kind: 'ended', outcome: 'expired' }), /has ended \(expired\)/);
  });

  it('offers Extend buttons while the lease runs, never once it has ended', () => {
    const base = { requestId: 'req_1', role: 'debug', provider: 'box', extendBy: ['30m', '1h'] };
    const actions = (blocks: ReturnType<typeof leaseNoticeBlocks>) => blocks.filter((b) => b.type === 'actions') as Array<{ elements: Array<{ action_id: string; value: string }> }>;
    for (const kind of ['granted', 'extended', 'expiring'] as const) {
      const [row] = actions(leaseNoticeBlocks({ ...base, kind }));
      assert.deepEqual(row?.elements.map((e) => [e.action_id, e.value]), [['lease_extend:30m', 'req_1 30m'], ['lease_extend:1h', 'req_1 1h']]);
    }
    assert.deepEqual(actions(leaseNoticeBlocks({ ...base, kind: 'ended' })), []);
    assert.deepEqual(actions(leaseNoticeBlocks({ ...base, kind: 'granted', extendBy: [] })), []);
  });
});
