// Turns zod's issues into config issues: one per problem, with the path inside the file and a
// message a person editing YAML understands.
import type { z } from 'zod';
import type { IssueLog, PathSegment } from './issues.js';

/** `warn` reports problems that do not stop Lease (a section it does not use). */
export function reportZodError(error: z.ZodError, file: string, prefix: readonly PathSegment[], log: IssueLog, level: 'error' | 'warn' = 'error'): void {
  reportZodIssues(error.issues, file, prefix, log, level);
}

export function reportZodIssues(issues: readonly z.core.$ZodIssue[], file: string, prefix: readonly PathSegment[], log: IssueLog, level: 'error' | 'warn' = 'error'): void {
  const report = (path: PathSegment[], message: string) => (level === 'error' ? log.error(file, path, message) : log.warn(file, path, message));
  for (const issue of issues) {
    const path = [...prefix, ...zodPath(issue)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) report([...path, key], 'unknown key');
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      report(path, `required (expected ${issue.expected})`);
    } else {
      report(path, issue.message);
    }
  }
}

export function zodPath(issue: z.core.$ZodIssue): PathSegment[] {
  return issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s));
}

/** Parse options that make `issue.input` available, to tell a missing field from a wrong one. */
export const PARSE_OPTIONS = { reportInput: true } as const;
