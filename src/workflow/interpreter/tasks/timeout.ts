// `timeout` (on any task, and on the workflow): `{after: <duration>}` or the name of a timeout
// in `use.timeouts`. A timer is armed when the task starts and dropped when it finishes; when
// it fires first, the task and everything it runs are abandoned and it faults with a timeout
// error (type .../errors/timeout, status 408), which a `try` around it may catch.
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import type { TaskRef } from '../pointer.js';
import { issue, type Run } from '../state.js';
import type { WorkflowDocument } from '../types.js';
import { durationMs } from './wait.js';

/** The timeout's duration in ms, resolving `use.timeouts` names; undefined when there is none or it is invalid. */
export function timeoutMs(spec: unknown, doc: WorkflowDocument): number | undefined {
  const resolved = typeof spec === 'string' ? (doc.use?.timeouts as Record<string, unknown> | undefined)?.[spec] : spec;
  if (resolved === null || typeof resolved !== 'object') return undefined;
  return durationMs((resolved as { after?: unknown }).after);
}

/** Arms the task's timeout, if it has one. */
export function armTimeout(run: Run, ref: TaskRef): void {
  if (ref.task.timeout === undefined) return;
  const ms = timeoutMs(ref.task.timeout, run.doc);
  if (ms === undefined) throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: 'Invalid timeout', detail: JSON.stringify(ref.task.timeout), instance: ref.pointer });
  armTimer(run, run.thread, ref.pointer, ms);
}

/** Arms the workflow's own timeout (task `/`): when it fires the workflow faults, uncatchable. */
export function armWorkflowTimeout(run: Run): void {
  if (run.doc.timeout === undefined) return;
  const ms = timeoutMs(run.doc.timeout, run.doc);
  if (ms === undefined) throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: 'Invalid timeout', detail: JSON.stringify(run.doc.timeout), instance: '/timeout' });
  armTimer(run, 'main', '/', ms);
}

function armTimer(run: Run, thread: string, task: string, ms: number): void {
  const timer = issue(run, { kind: 'timer', task, at: run.now + ms });
  run.state.timeouts = { ...run.state.timeouts, [timer.id]: { thread, task } };
}

export function timeoutFault(pointer: string, spec: unknown, doc?: WorkflowDocument): WorkflowFault {
  const after = doc ? timeoutMs(spec, doc) : undefined;
  return new WorkflowFault({
    type: ERROR_TYPES.timeout,
    status: 408,
    title: pointer === '/' ? 'Workflow timed out' : 'Task timed out',
    ...(after === undefined ? {} : { detail: `no result after ${after} ms` }),
    instance: pointer,
  });
}
