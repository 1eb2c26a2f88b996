// `listen: {to: {one: filter} | {any: [filters], until} | {all: [filters]}, read}`: waits for
// events. A filter is `{with: {type, source, data, ...}}`: `type` matches with `com.thand.*`
// read as `com.lease.*`; an attribute given as an expression is a condition on that attribute
// (`data: ${ .temperature > 38 }`); an object matches when its fields match (deeply); other
// values must be equal. `one` completes on the first match, `all` once every filter matched,
// `any` on the first match (an empty list matches every event) or, with `until`, once `until`
// holds (a condition on the events consumed so far) or its own strategy completes (events
// consumed by `until` are not part of the output). The output is the consumed events' data
// (`read: envelope` gives whole events). A timeout is the task's `timeout`.
//
// Events that arrive before a listen waits for them are kept in `state.inbox` (only types some
// listen of the document can consume, at most INBOX_LIMIT); a listen starts by consuming them.
import { ALERT_EVENTS, APPROVAL_EVENT, canonicalEventType } from '../../calls/names.js';
import { isExpression } from '../../expressions/runtime.js';
import { condition } from '../data.js';
import { WorkflowFault } from '../errors.js';
import { cloneJson, type Run } from '../state.js';
import type { WorkflowDocument, WorkflowEvent } from '../types.js';
import type { Outcome, TaskContext, TaskHandler } from './task.js';

export const INBOX_LIMIT = 100;

export interface EventFilter {
  with?: Record<string, unknown>;
}

interface Strategy {
  mode: 'one' | 'any' | 'all';
  filters: EventFilter[];
  until?: unknown;
}

interface ListenMemo {
  received: WorkflowEvent[];
  matched: boolean[];
  until?: ListenMemo;
}

/** What a waiting task did with an event. */
export type Offer = 'ignored' | 'consumed' | 'done';

export const listenTask: TaskHandler = {
  start: (t) => {
    const memo: ListenMemo = { received: [], matched: [] };
    return drainInbox(t.run, (event) => offerToListen(t, memo, event)) ? listenDone(t, memo) : { kind: 'suspended', memo };
  },
  event: (t, event) => {
    const memo = cloneJson(t.memo as ListenMemo);
    const offer = offerToListen(t, memo, event);
    if (offer === 'ignored') return undefined;
    return offer === 'done' ? listenDone(t, memo) : { kind: 'suspended', memo };
  },
};

function listenDone(t: TaskContext, memo: ListenMemo): Outcome {
  const listen = t.ref.task.listen as { read?: unknown; to?: Record<string, unknown> } | undefined;
  // Thand's workflows (DSL 1.0.0-alpha) read a `one` listen's output as the event itself
  // (`.data.approved`); from 1.0.0 on the output is the list of what was read.
  if (listen?.to && 'one' in listen.to && listen.read === undefined && isAlphaDsl(t.run.doc)) {
    return { kind: 'done', output: memo.received[0] ?? null };
  }
  return { kind: 'done', output: memo.received.map((e) => (listen?.read === 'envelope' ? e : (e.data ?? null))) };
}

function isAlphaDsl(doc: WorkflowDocument): boolean {
  return /^1\.0\.0-alpha/.test(String(doc.document?.dsl ?? ''));
}

function offerToListen(t: TaskContext, memo: ListenMemo, event: WorkflowEvent): Offer {
  return offer(t, strategyOf((t.ref.task.listen as { to?: unknown } | undefined)?.to), memo, event);
}

/** Offers an event to a strategy; `memo` is updated in place when the event is consumed. */
function offer(t: TaskContext, strategy: Strategy | undefined, memo: ListenMemo, event: WorkflowEvent): Offer {
  if (!strategy) return 'ignored';
  const until = strategy.mode === 'any' && strategy.until !== null && typeof strategy.until === 'object' ? strategyOf(strategy.until) : undefined;
  if (until) {
    memo.until ??= { received: [], matched: [] };
    const result = offer(t, until, memo.until, event);
    if (result !== 'ignored') return result;
  }
  const hit = strategy.filters.findIndex((f, i) => !(strategy.mode === 'all' && memo.matched[i]) && eventMatches(t, f, event));
  if (hit === -1 && !(strategy.mode === 'any' && strategy.filters.length === 0)) return 'ignored';
  memo.received.push(event);
  if (hit !== -1) memo.matched[hit] = true;
  switch (strategy.mode) {
    case 'one':
      return 'done';
    case 'all':
      return strategy.filters.every((_, i) => memo.matched[i]) ? 'done' : 'consumed';
    case 'any':
      if (strategy.until === undefined) return 'done';
      if (until) return 'consumed';
      return condition(t.run, strategy.until, memo.received.map((e) => e.data ?? null), t.vars, t.ref.pointer) ? 'done' : 'consumed';
  }
}

function strategyOf(to: unknown): Strategy | undefined {
  if (to === null || typeof to !== 'object') return undefined;
  const spec = to as { one?: EventFilter; any?: EventFilter[]; all?: EventFilter[]; until?: unknown };
  if (spec.one) return { mode: 'one', filters: [spec.one] };
  if (Array.isArray(spec.all)) return { mode: 'all', filters: spec.all };
  if (Array.isArray(spec.any)) return { mode: 'any', filters: spec.any, until: spec.until };
  return undefined;
}

/** Whether `event` passes `filter`. A filter expression that fails on this event is a non-match. */
export function eventMatches(t: TaskContext, filter: EventFilter, event: WorkflowEvent): boolean {
  for (const [key, expected] of Object.entries(filter.with ?? {})) {
    const actual = key === 'type' ? canonicalEventType(String(event.type)) : event[key];
    if (isExpression(expected)) {
      try {
        if (!condition(t.run, expected, actual ?? null, t.vars, t.ref.pointer)) return false;
      } catch (err) {
        if (err instanceof WorkflowFault) return false;
        throw err;
      }
    } else if (!matchesValue(key === 'type' && typeof expected === 'string' ? canonicalEventType(expected) : expected, actual)) {
      return false;
    }
  }
  return true;
}

function matchesValue(expected: unknown, actual: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => matchesValue(v, (actual as Record<string, unknown>)[k]));
  }
  return JSON.stringify(expected) === JSON.stringify(actual);
}

/**
 * Offers the queued events to a task that starts waiting, in arrival order; consumed ones leave
 * the inbox. Returns true when the task is done.
 */
export function drainInbox(run: Run, offerEvent: (event: WorkflowEvent) => Offer): boolean {
  const inbox = run.state.inbox ?? [];
  for (let i = 0; i < inbox.length; ) {
    const result = offerEvent(inbox[i] as WorkflowEvent);
    if (result === 'ignored') {
      i++;
      continue;
    }
    inbox.splice(i, 1);
    if (result === 'done') return true;
  }
  return false;
}

/** Keeps an event no task waits for yet, when some listen of the document could consume it. */
export function keepForLater(run: Run, event: WorkflowEvent): boolean {
  const types = listenedTypes(run.doc);
  if (!types.has('*') && !types.has(canonicalEventType(String(event.type)))) return false;
  const inbox = (run.state.inbox ??= []);
  inbox.push(event);
  if (inbox.length > INBOX_LIMIT) inbox.splice(0, inbox.length - INBOX_LIMIT);
  return true;
}

export { APPROVAL_EVENT } from '../../calls/names.js';

const typesByDoc = new WeakMap<WorkflowDocument, Set<string>>();

/** Canonical event types the document's listens (and lease.approvals / lease.monitor) can consume; `*` when any. */
export function listenedTypes(doc: WorkflowDocument): Set<string> {
  let types = typesByDoc.get(doc);
  if (types) return types;
  types = new Set<string>();
  collectTypes(doc.do, types);
  typesByDoc.set(doc, types);
  return types;
}

function collectTypes(node: unknown, types: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectTypes(item, types);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const call = typeof obj.call === 'string' ? obj.call : typeof obj.thand === 'string' ? `thand.${obj.thand}` : typeof obj.lease === 'string' ? `lease.${obj.lease}` : undefined;
  if (call === 'lease.approvals' || call === 'thand.approvals') types.add(APPROVAL_EVENT);
  if (call === 'lease.monitor' || call === 'thand.monitor') for (const t of ALERT_EVENTS) types.add(t);
  if (obj.listen !== null && typeof obj.listen === 'object') collectFilterTypes((obj.listen as { to?: unknown }).to, types);
  for (const value of Object.values(obj)) collectTypes(value, types);
}

function collectFilterTypes(to: unknown, types: Set<string>): void {
  const strategy = strategyOf(to);
  if (!strategy) return;
  if (strategy.filters.length === 0) types.add('*');
  for (const filter of strategy.filters) {
    const type = filter.with?.type;
    types.add(typeof type === 'string' && !isExpression(type) ? canonicalEventType(type) : '*');
  }
  if (strategy.until !== null && typeof strategy.until === 'object') collectFilterTypes(strategy.until, types);
}
