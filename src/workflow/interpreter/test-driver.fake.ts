// Test support: drives the interpreter by hand, checking after every step that the state
// survives JSON exactly and that the commands are pending.
import assert from 'node:assert/strict';
import { resumeWorkflow, startWorkflow } from './interpreter.js';
import { checkAgainstSchema } from '../dsl/schema.js';
import type { Command, ExpressionEngine, InterpreterEnv, Resume, Step, WorkflowDocument, WorkflowError, WorkflowState } from './types.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export class Driver {
  state: WorkflowState | undefined;
  now = T0;
  readonly steps: Step[] = [];

  constructor(
    readonly doc: WorkflowDocument,
    readonly engine: ExpressionEngine,
  ) {}

  start(input: unknown = {}): Step {
    return this.record(startWorkflow(this.doc, input, this.env()));
  }

  resume(resume: Resume): Step {
    assert.ok(this.state, 'start first');
    return this.record(resumeWorkflow(this.doc, this.state, resume, this.env()));
  }

  /** The pending call named `name` (canonical), failing when there is none. */
  call(name: string): Extract<Command, { kind: 'call' }> {
    const found = this.pending().find((c): c is Extract<Command, { kind: 'call' }> => c.kind === 'call' && c.name === name);
    assert.ok(found, `no pending call ${name}; pending: ${JSON.stringify(this.pending())}`);
    return found;
  }

  timer(id?: string): Extract<Command, { kind: 'timer' }> {
    const found = this.pending().find((c): c is Extract<Command, { kind: 'timer' }> => c.kind === 'timer' && (id === undefined ? c.id !== 'lease-expiry' : c.id === id));
    assert.ok(found, `no pending timer ${id ?? ''}; pending: ${JSON.stringify(this.pending())}`);
    return found;
  }

  complete(name: string, result: unknown = {}): Step {
    return this.resume({ kind: 'call.completed', id: this.call(name).id, result });
  }

  fail(name: string, error: WorkflowError): Step {
    return this.resume({ kind: 'call.failed', id: this.call(name).id, error });
  }

  fire(id?: string): Step {
    const timer = this.timer(id);
    this.now = Math.max(this.now, timer.at);
    return this.resume({ kind: 'timer.fired', id: timer.id });
  }

  event(type: string, data?: unknown): Step {
    return this.resume({ kind: 'event', event: { type, ...(data === undefined ? {} : { data }) } });
  }

  pending(): Command[] {
    return this.state?.pending ?? [];
  }

  pendingNames(): string[] {
    return this.pending().map((c) => (c.kind === 'call' ? c.name : c.id === 'lease-expiry' ? 'lease-expiry' : 'timer'));
  }

  private env(): InterpreterEnv {
    return { now: this.now, expressions: this.engine, schemas: checkAgainstSchema };
  }

  private record(step: Step): Step {
    assert.deepEqual(JSON.parse(JSON.stringify(step.state)), step.state, 'state must round-trip through JSON');
    for (const command of step.commands) assert.ok(step.state.pending.some((c) => c.id === command.id), `command ${command.id} not pending`);
    assert.notEqual(step.state.status, 'running');
    this.state = step.state;
    this.steps.push(step);
    return step;
  }
}

/** A document with `tasks` as its `do` list. */
export function workflow(tasks: WorkflowDocument['do'], extra: Partial<WorkflowDocument> = {}): WorkflowDocument {
  return { document: { dsl: '1.0.0', namespace: 'test', name: 'test', version: '1.0.0' }, do: tasks, ...extra };
}

/** An authorize result expiring `ms` after T0. */
export function granted(ms: number): { expires_at: string } {
  return { expires_at: new Date(T0 + ms).toISOString() };
}
