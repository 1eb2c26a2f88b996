import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/index.js';
import { RefusalBudget } from './refusal-budget.js';

test('an address gets its refusals audited one by one up to its limit, then one "throttled" entry, then only 429s until the window frees', () => {
  const clock = new ManualClock(1_000_000);
  const budget = new RefusalBudget(clock, { perAddress: 3, overall: 100, windowMs: 60_000 });
  const verdicts = Array.from({ length: 6 }, () => budget.spend('203.0.113.7').audit);
  assert.deepEqual(verdicts, ['refusal', 'refusal', 'refusal', 'throttled', 'none', 'none']);
  const limited = budget.spend('203.0.113.7');
  assert.ok('error' in limited);
  assert.equal(limited.error.status, 429);
  assert.ok((limited.error.retryAfterSeconds ?? 0) >= 1 && (limited.error.retryAfterSeconds ?? 0) <= 60);
  assert.equal(budget.spend('198.51.100.1').audit, 'refusal', 'another address is not held back');
  clock.advance(60_001);
  assert.deepEqual([budget.spend('203.0.113.7').audit, budget.spend('203.0.113.7').audit], ['refusal', 'refusal'], 'the window freed');
});

test('addresses of one IPv6 /64 share a budget', () => {
  const budget = new RefusalBudget(new ManualClock(0), { perAddress: 2, overall: 100 });
  assert.deepEqual(['2001:db8:0:1::1', '2001:db8:0:1::2', '2001:db8:0:1:ffff::9'].map((a) => budget.spend(a).audit), ['refusal', 'refusal', 'throttled']);
  assert.equal(budget.spend('2001:db8:0:2::1').audit, 'refusal');
});

test('refusals from everyone together are bounded: many addresses cannot grow the audit log without limit', () => {
  const budget = new RefusalBudget(new ManualClock(0), { perAddress: 5, overall: 10 });
  const verdicts = Array.from({ length: 30 }, (_, i) => budget.spend(`192.0.2.${i}`).audit);
  assert.equal(verdicts.filter((v) => v === 'refusal').length, 10);
  assert.equal(verdicts.filter((v) => v === 'throttled').length, 1);
  assert.equal(verdicts.filter((v) => v === 'none').length, 19);
});
