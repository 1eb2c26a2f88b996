// `for: {each, in, at}` + `while` + `do`: runs `do` once per item of `in` (an expression giving
// an array), with the item as `$<each>` (default `$item`) and its position as `$<at>` (default
// `$index`). The first iteration's input is the task's input, each next one's is the previous
// iteration's output, and the task's output is the last iteration's. `while`, evaluated before
// each iteration, stops the loop when false; `then: exit` in the body stops it too.
import { condition, evaluate, taskVariables } from '../data.js';
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import type { TaskRef } from '../pointer.js';
import type { Frame, Run } from '../state.js';
import type { TaskHandler } from './task.js';

interface ForSpec {
  each?: string;
  in?: unknown;
  at?: string;
}

export const forTask: TaskHandler = {
  start: ({ run, ref, input, vars }) => {
    const spec = (ref.task.for ?? {}) as ForSpec;
    const items = evaluate(run, spec.in, input, vars, ref.pointer);
    if (!Array.isArray(items)) {
      throw new WorkflowFault({ type: ERROR_TYPES.expression, status: 400, title: 'for.in must give an array', detail: JSON.stringify(items), instance: ref.pointer });
    }
    const loopVars = iterationVars(spec, items, 0);
    if (items.length === 0 || !whileHolds(run, ref, input, { ...vars, ...loopVars })) return { kind: 'done', output: input };
    return { kind: 'enter', list: `${ref.pointer}/do`, frame: { loop: { items, position: 0 }, vars: loopVars } };
  },
};

/** Moves the body frame to the next item; false when the loop is over. The frame is the thread's top. */
export function nextIteration(run: Run, ref: TaskRef, frame: Frame): boolean {
  const loop = frame.loop;
  if (!loop || loop.position + 1 >= loop.items.length) return false;
  loop.position += 1;
  frame.index = 0;
  frame.vars = iterationVars((ref.task.for ?? {}) as ForSpec, loop.items, loop.position);
  return whileHolds(run, ref, frame.data, taskVariables(run, ref, frame.input));
}

function iterationVars(spec: ForSpec, items: unknown[], position: number): Record<string, unknown> {
  return { [spec.each ?? 'item']: items[position] ?? null, [spec.at ?? 'index']: position };
}

function whileHolds(run: Run, ref: TaskRef, data: unknown, vars: Record<string, unknown>): boolean {
  return ref.task.while === undefined || condition(run, ref.task.while, data, vars, ref.pointer);
}
