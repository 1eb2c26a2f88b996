// Spans of a workflow, shared by the embedded and Temporal runtimes. A workflow outlives the API
// call that started it (a lease is revoked hours later, maybe by another process), so the call's
// trace context is stored with the instance (a W3C traceparent) and every step and call span is
// put under it: one trace from the request to the revocation. A step resumed by another API
// call (an approval, a revoke) links to that call's span.
import { tracer, type ActiveSpan } from '../../tracing/index.js';
import type { Command, WorkflowState } from '../interpreter/types.js';

/** The trace context to store with a new instance: the active span's (the API call starting it). */
export function currentTrace(): string | undefined {
  return tracer().traceparent();
}

/** A span around one interpreter step of `instanceId` (what woke it: start, event, timer, call result). */
export function traceStep<T>(instanceId: string, trace: string | undefined, resume: string, run: (span: ActiveSpan) => Promise<T>): Promise<T> {
  return tracer().inSpan('workflow.step', { parent: trace, linkActive: true, attributes: { 'lease.request.id': instanceId, 'lease.workflow.resume': resume } }, run);
}

/** What a finished step says of the workflow, as attributes of its span. */
export function stepAttributes(state: WorkflowState, commands: readonly Command[]) {
  return {
    'lease.workflow.status': state.status,
    'lease.workflow.calls': commands.filter((c) => c.kind === 'call').length,
    'lease.workflow.timers': commands.filter((c) => c.kind === 'timer').length,
  };
}

/**
 * A span around one try of a call (lease.authorize, lease.revoke...); provider calls made by it
 * are its children. Under the active span (the step that issued it) or, with none (a call
 * re-issued after a restart, a Temporal activity), under the instance's stored trace.
 */
export function traceCall<T>(call: { instanceId: string; name: string; task: string; attempt: number }, trace: string | undefined, run: () => Promise<T>): Promise<T> {
  const t = tracer();
  return t.inSpan(
    `workflow.call ${call.name}`,
    {
      parent: t.traceparent() === undefined ? trace : undefined,
      attributes: { 'lease.request.id': call.instanceId, 'lease.workflow.call': call.name, 'lease.workflow.task': call.task, 'lease.workflow.attempt': call.attempt },
    },
    run,
  );
}
