// The one rule for tests that need a real component (sudo, PostgreSQL, an OIDC provider...):
// present → run; absent under CI=true → fail, saying how to get it; absent elsewhere → skip
// loudly, so a green local run never hides what it did not test.
import type { TestContext } from 'node:test';

/** True when the test may go on; otherwise the test has been skipped (or has failed under CI). */
export function requireComponent(t: TestContext, name: string, available: boolean, howToGet: string): boolean {
  if (available) return true;
  const message = `${name} is not available: ${howToGet}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: required components must be present)`);
  console.warn(`\n⚠ SKIPPED ${t.name}: ${message}\n`);
  t.skip(message);
  return false;
}
