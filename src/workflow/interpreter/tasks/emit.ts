// `emit: {event: {with: {type, source, data, ...}}}`: the task's output is the emitted CloudEvent
// `{id, specversion, time, source, type, data, ...}`. The id is derived from the state (a hash
// of the workflow's start and input, plus the state's counter), never random, so replaying a
// step emits the same event. Emitted events are returned in Step.emitted for the runtime to
// publish, and offered to this workflow's own listeners.
import { evaluate } from '../data.js';
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import { nextId, type Run } from '../state.js';
import type { WorkflowEvent } from '../types.js';
import type { TaskHandler } from './task.js';

export const DEFAULT_EVENT_SOURCE = 'https://lease.dev/workflow';

export const emitTask: TaskHandler = {
  start: ({ run, ref, input, vars }) => {
    const spec = (ref.task.emit ?? {}) as { event?: { with?: unknown } };
    const attributes = evaluate(run, spec.event?.with ?? {}, input, vars, ref.pointer);
    if (attributes === null || typeof attributes !== 'object' || typeof (attributes as { type?: unknown }).type !== 'string') {
      throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: 'emit: the event needs a type', instance: ref.pointer });
    }
    const given = attributes as Record<string, unknown>;
    const event: WorkflowEvent = {
      ...given,
      id: typeof given.id === 'string' ? given.id : eventId(run),
      specversion: '1.0',
      time: typeof given.time === 'string' ? given.time : new Date(run.now).toISOString(),
      source: typeof given.source === 'string' ? given.source : DEFAULT_EVENT_SOURCE,
      type: given.type as string,
      data: given.data ?? null,
    };
    run.emitted.push(event);
    run.deliveries.push(event);
    return { kind: 'done', output: event };
  },
};

function eventId(run: Run): string {
  const seed = JSON.stringify([run.state.started_at, run.doc.document.namespace, run.doc.document.name, run.state.input]);
  return `${fnv1a(seed)}-${nextId(run, 'e')}`;
}

/** FNV-1a (32-bit) as 8 hex digits: a stable, dependency-free hash (node:crypto is not available in Temporal workflows). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
