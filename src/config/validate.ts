// `lease config validate`: every problem of a config location, returned rather than thrown.
import { formatIssue } from './issues.js';
import { collectConfig } from './load.js';
import type { ConfigValidation, LoadOptions } from './types.js';

export async function validateConfigLocation(location: string, options: LoadOptions = {}): Promise<ConfigValidation> {
  const { log } = await collectConfig(location, options);
  return { ok: log.errors.length === 0, issues: log.errors, warnings: log.warnings.map(formatIssue) };
}
