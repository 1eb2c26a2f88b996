// Registers values the whole-run secret scan (scripts/scan-secrets.mjs) must never find in any
// process's output: passwords, client secrets, codes and tokens a test knows. No-op outside
// `npm test` (no $LEASE_TEST_LOG_DIR).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export function registerTestSecret(...values: string[]): void {
  const dir = process.env.LEASE_TEST_LOG_DIR;
  if (!dir) return;
  const lines = values.filter((v) => v.length >= 8 && !v.includes('\n'));
  if (lines.length) appendFileSync(join(dir, 'secrets.txt'), `${lines.join('\n')}\n`, { mode: 0o600 });
}
