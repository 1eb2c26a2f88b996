// The conformance suite: small workflow documents with their input, the events delivered to
// them and canned activity results, and what they must produce. Every runtime runs the same
// cases through a ConformanceDriver, so both behave the same on the same documents.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { WorkflowDocument, WorkflowError, WorkflowEvent } from '../interpreter/types.js';

/** What an activity does when called: return `result` or fail with `error`, after `delay_ms`. */
export interface CannedResult {
  result?: unknown;
  error?: WorkflowError;
  delay_ms?: number;
}

export interface ConformanceCase {
  name: string;
  description?: string;
  workflow: WorkflowDocument;
  input?: unknown;
  /** Input fields that are times: `name: <ms from the start>` becomes `name: <ISO-8601>` (a request's start_at, approval_deadline). */
  input_times?: Record<string, number>;
  /** Delivered in order right after the start (each after its `delay_ms`). */
  events?: Array<WorkflowEvent & { delay_ms?: number }>;
  /** Canned results by call name; a list is used in order, its last entry repeating. */
  activities?: Record<string, CannedResult | CannedResult[]>;
  /** Expected end: `output` (deep-equal), or `error` (the fields given must match). */
  output?: unknown;
  error?: Partial<WorkflowError>;
  /** Expected status when neither output nor error says it (default completed / faulted). */
  status?: 'completed' | 'faulted' | 'cancelled';
  /** Expected call names, in order. */
  calls?: string[];
  file?: string;
}

export interface ConformanceResult {
  status: string;
  output?: unknown;
  error?: WorkflowError;
  /** Names of the activities called, in order. */
  calls: string[];
}

/** A runtime adapter: starts a workflow with canned activities, delivers events, awaits the end. */
export interface ConformanceDriver<Handle = unknown> {
  start(doc: WorkflowDocument, input: unknown, activities: CannedActivities): Promise<Handle>;
  signal(handle: Handle, event: WorkflowEvent): Promise<void>;
  /** Resolves once the workflow has ended (completed, faulted or cancelled). */
  result(handle: Handle): Promise<ConformanceResult>;
}

/** A canned activity failure: drivers turn it into their runtime's non-retryable failure. */
export class CannedFailure extends Error {
  constructor(readonly error: WorkflowError) {
    super(error.detail ?? error.title ?? error.type);
    this.name = 'CannedFailure';
  }
}

/** Default lease length when a case's lease.authorize result does not say (`expires_in_ms`). */
const DEFAULT_LEASE_MS = 100;

/**
 * The activities of one case. `run` records the call and returns the canned result. A
 * lease.authorize result's `expires_in_ms` becomes `expires_at` from the time of the call.
 */
export class CannedActivities {
  readonly calls: string[] = [];
  private readonly used = new Map<string, number>();

  constructor(private readonly spec: ConformanceCase['activities'] = {}) {}

  async run(name: string, _args: unknown): Promise<unknown> {
    this.calls.push(name);
    const canned = this.next(name);
    if (canned.delay_ms) await new Promise((r) => setTimeout(r, canned.delay_ms));
    if (canned.error) throw new CannedFailure(canned.error);
    if (name === 'lease.authorize') {
      const result = (canned.result ?? {}) as { expires_in_ms?: number; expires_at?: string };
      if (result.expires_at !== undefined) return result;
      return { granted: true, expires_at: new Date(Date.now() + (result.expires_in_ms ?? DEFAULT_LEASE_MS)).toISOString() };
    }
    return canned.result ?? {};
  }

  private next(name: string): CannedResult {
    const spec = this.spec?.[name];
    if (!Array.isArray(spec)) return spec ?? {};
    const i = this.used.get(name) ?? 0;
    this.used.set(name, i + 1);
    return spec[Math.min(i, spec.length - 1)] ?? {};
  }
}

const CASES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'cases');

/** Every case in `cases/*.yaml`, sorted by file name. */
export function loadConformanceCases(dir = CASES_DIR): ConformanceCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ ...(parse(readFileSync(join(dir, file), 'utf8')) as ConformanceCase), file }));
}

/** Runs one case on a driver and asserts its outcome. */
export async function runConformanceCase<H>(c: ConformanceCase, driver: ConformanceDriver<H>): Promise<ConformanceResult> {
  const activities = new CannedActivities(c.activities);
  const startedAt = Date.now();
  const times = Object.fromEntries(Object.entries(c.input_times ?? {}).map(([name, ms]) => [name, new Date(startedAt + ms).toISOString()]));
  const input = c.input_times ? { ...((c.input ?? {}) as Record<string, unknown>), ...times } : (c.input ?? {});
  const handle = await driver.start(c.workflow, input, activities);
  for (const { delay_ms, ...event } of c.events ?? []) {
    if (delay_ms) await new Promise((r) => setTimeout(r, delay_ms));
    // `data.expires_in_ms` (an extension's new expiry) becomes `data.expires_at` from the start.
    const data = event.data as { expires_in_ms?: number } | undefined;
    const resolved = typeof data?.expires_in_ms === 'number' ? { ...event, data: { expires_at: new Date(startedAt + data.expires_in_ms).toISOString() } } : event;
    await driver.signal(handle, resolved as WorkflowEvent);
  }
  const result = await driver.result(handle);
  const where = `${c.file ?? c.name}: ${JSON.stringify(result)}`;
  if (c.error) {
    assert.equal(result.status, 'faulted', where);
    for (const [key, value] of Object.entries(c.error)) assert.deepEqual(result.error?.[key as keyof WorkflowError], value, `error.${key} in ${where}`);
  } else {
    assert.equal(result.status, c.status ?? 'completed', where);
    if ('output' in c) assert.deepEqual(result.output, c.output, `output in ${where}`);
  }
  if (c.calls) assert.deepEqual(result.calls, c.calls, `calls in ${where}`);
  return result;
}
