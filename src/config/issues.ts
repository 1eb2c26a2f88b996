// Every problem found while loading is collected here, then reported all at once: a person
// fixing a config file wants the whole list, not one error per restart.
import { LeaseError } from '../core/index.js';

export interface ConfigIssue {
  /** The file the problem is in (as found from the location given to the loader). */
  file: string;
  /** Where in the file, e.g. `roles.admin.max_duration`; empty for the file as a whole. */
  path: string;
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
  /** 1-based column, for YAML syntax errors. */
  column?: number;
}

export type PathSegment = string | number;

/** `['roles', 'admin', 'permissions', 'allow', 0]` → `roles.admin.permissions.allow[0]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** One issue on one line: `FILE: PATH: MESSAGE (line N)`; without a path, `FILE: MESSAGE`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path === '' ? issue.file : `${issue.file}: ${issue.path}`;
  const position = issue.line === undefined ? '' : issue.column === undefined ? ` (line ${issue.line})` : ` (line ${issue.line}, column ${issue.column})`;
  return `${where}: ${issue.message}${position}`;
}

/** Issues grouped by file (in `fileOrder`, then in order of appearance), then by line. */
export function sortIssues(issues: readonly ConfigIssue[], fileOrder: readonly string[] = []): ConfigIssue[] {
  const rank = new Map<string, number>(fileOrder.map((file, i) => [file, i]));
  for (const issue of issues) if (!rank.has(issue.file)) rank.set(issue.file, rank.size);
  return [...issues].sort((a, b) => (rank.get(a.file) ?? 0) - (rank.get(b.file) ?? 0) || (a.line ?? 0) - (b.line ?? 0));
}

/** Finds the line of a path inside a file, when the file was parsed. */
export type LineLocator = (file: string, path: readonly PathSegment[]) => number | undefined;

/** Collects errors and warnings; attaches line numbers through the locator. */
export class IssueLog {
  private readonly errorList: ConfigIssue[] = [];
  private readonly warningList: ConfigIssue[] = [];
  private readonly fileOrder: string[] = [];

  constructor(private readonly locate: LineLocator = () => undefined) {}

  /** Issues are listed file by file in the order files were noted (the load order). */
  noteFile(file: string): void {
    this.fileOrder.push(file);
  }

  /** Errors by file, then line. */
  get errors(): ConfigIssue[] {
    return sortIssues(this.errorList, this.fileOrder);
  }

  get warnings(): ConfigIssue[] {
    return sortIssues(this.warningList, this.fileOrder);
  }

  /** `at` gives the position when the caller knows it (YAML syntax errors); else it is looked up. */
  error(file: string, path: readonly PathSegment[], message: string, at?: { line: number; column: number }): void {
    this.errorList.push(this.issue(file, path, message, at));
  }

  warn(file: string, path: readonly PathSegment[], message: string): void {
    this.warningList.push(this.issue(file, path, message, undefined));
  }

  private issue(file: string, path: readonly PathSegment[], message: string, at: { line: number; column: number } | undefined): ConfigIssue {
    const issue: ConfigIssue = { file, path: formatPath(path), message };
    if (at) return { ...issue, line: at.line, column: at.column };
    const line = this.locate(file, path);
    return line === undefined ? issue : { ...issue, line };
  }
}

/** The configuration cannot be used; `issues` lists every problem found. */
export class ConfigError extends LeaseError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super('invalid_config', [`invalid configuration (${count}):`, ...issues.map(formatIssue)].join('\n'), {
      status: 500,
    });
    this.issues = issues;
  }
}
