// `switch`: the first case whose `when` holds decides the flow; a case without `when` is the
// default, taken only when no other case matches; no match continues. The output is the input.
import { condition } from '../data.js';
import type { TaskHandler } from './task.js';

interface SwitchCase {
  when?: unknown;
  then?: string;
}

export const switchTask: TaskHandler = {
  start: ({ run, ref, input, vars }) => {
    let fallback: SwitchCase | undefined;
    for (const entry of ref.task.switch as Array<Record<string, SwitchCase>>) {
      const body = Object.values(entry)[0] ?? {};
      if (body.when === undefined) {
        fallback ??= body;
      } else if (condition(run, body.when, input, vars, ref.pointer)) {
        return done(input, body.then);
      }
    }
    return done(input, fallback?.then);
  },
};

function done(output: unknown, then: string | undefined) {
  return then === undefined ? { kind: 'done' as const, output } : { kind: 'done' as const, output, then };
}
