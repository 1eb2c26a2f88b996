// Turns zod's issues into config issues: one per problem, with the path inside the file and a
// message a person editing YAML understands.
import type { z } from 'zod';
import type { IssueLog, PathSegment } from './issues.js';

export function reportZodError(error: z.ZodError, file: string, prefix: readonly PathSegment[], log: IssueLog): void {
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) log.error(file, [...path, key], 'unknown key');
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      log.error(file, path, `required (expected ${issue.expected})`);
    } else {
      log.error(file, path, issue.message);
    }
  }
}

/** Parse options that make `issue.input` available, to tell a missing field from a wrong one. */
export const PARSE_OPTIONS = { reportInput: true } as const;
