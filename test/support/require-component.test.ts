import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { requireComponent } from './require-component.js';

/** Records what requireComponent asks of the test context. */
function fakeContext(): { t: TestContext; skipped: string[] } {
  const skipped: string[] = [];
  const t = { name: 'needs widget', skip: (message: string) => skipped.push(message) } as unknown as TestContext;
  return { t, skipped };
}

function withCI<T>(value: string | undefined, fn: () => T): T {
  const saved = process.env.CI;
  if (value === undefined) delete process.env.CI;
  else process.env.CI = value;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
}

test('a present component lets the test run', () => {
  const { t, skipped } = fakeContext();
  assert.equal(requireComponent(t, 'widget', true, 'apt-get install widget'), true);
  assert.deepEqual(skipped, []);
});

test('a missing component skips the test with how to get it, outside CI', () => {
  const { t, skipped } = fakeContext();
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal(withCI(undefined, () => requireComponent(t, 'widget', false, 'apt-get install widget')), false);
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(skipped, ['widget is not available: apt-get install widget']);
});

test('a missing component fails the test under CI=true', () => {
  const { t, skipped } = fakeContext();
  assert.throws(() => withCI('true', () => requireComponent(t, 'widget', false, 'apt-get install widget')), /widget is not available: apt-get install widget/);
  assert.deepEqual(skipped, []);
});
