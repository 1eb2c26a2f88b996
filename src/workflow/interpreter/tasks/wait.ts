// `wait`: issues a timer at now + duration; the output is the input. A duration is ISO-8601
// (`PT5S`) or `{days, hours, minutes, seconds, milliseconds}`.
import { tryParseDuration } from '../../../core/duration.js';
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import { issue } from '../state.js';
import type { TaskHandler } from './task.js';

const UNIT_MS = { days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1_000, milliseconds: 1 } as const;

export const waitTask: TaskHandler = {
  start: ({ run, ref }) => {
    const ms = durationMs(ref.task.wait);
    if (ms === undefined) {
      throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: 'Invalid duration', detail: JSON.stringify(ref.task.wait), instance: ref.pointer });
    }
    issue(run, { kind: 'timer', task: ref.pointer, at: run.now + ms });
    return { kind: 'suspended' };
  },
  resume: ({ input }) => ({ kind: 'done', output: input }),
};

export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'string') return tryParseDuration(value);
  if (value === null || typeof value !== 'object') return undefined;
  let total = 0;
  for (const [unit, amount] of Object.entries(value)) {
    const factor = UNIT_MS[unit as keyof typeof UNIT_MS];
    if (factor === undefined || typeof amount !== 'number' || !(amount >= 0)) return undefined;
    total += amount * factor;
  }
  return Math.round(total);
}
