import { POLICY_CHECKS } from './checks.js';
import type { PolicyInput } from './types.js';

/** Runs every policy rule in order; the first refusal is thrown as PolicyDenied. */
export function evaluatePolicy(input: PolicyInput): void {
  for (const check of POLICY_CHECKS) check(input);
}
