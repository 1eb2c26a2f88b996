// `fork: {branches: [tasks], compete}`: each branch runs as its own thread with the task's input.
// Without `compete` the task completes when every branch has, with their outputs in branch
// order; with `compete` the first branch to complete wins, its output is the task's and the
// other branches are abandoned. A branch's uncaught fault abandons the others and faults the fork.
import { scopeVariables } from '../data.js';
import { cloneJson, nextId, type Run } from '../state.js';
import type { TaskHandler } from './task.js';

export const forkTask: TaskHandler = {
  start: ({ run, ref, input }) => {
    const spec = (ref.task.fork ?? {}) as { branches?: unknown[]; compete?: boolean };
    const branches = Array.isArray(spec.branches) ? spec.branches : [];
    if (branches.length === 0) return { kind: 'done', output: [] };
    startBranches(run, `${ref.pointer}/fork/branches`, branches.length, input);
    return { kind: 'suspended', memo: { outputs: branches.map(() => null), left: branches.length, compete: spec.compete === true } };
  },
};

function startBranches(run: Run, list: string, count: number, input: unknown): void {
  const vars = scopeVariables(run);
  const parent = run.thread;
  for (let branch = 0; branch < count; branch++) {
    const id = nextId(run, 'b');
    run.state.threads = {
      ...run.state.threads,
      [id]: { frames: [{ list, index: branch, data: cloneJson(input), input: cloneJson(input), single: true, role: 'branch', vars }], parent: { thread: parent, branch } },
    };
  }
}
