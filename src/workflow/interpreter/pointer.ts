// Tasks are addressed by JSON pointer (`/do/1/authorize`), as the DSL's error `instance` is.
import type { WorkflowDocument } from './types.js';
import { InvalidWorkflowState } from './errors.js';

export type TaskList = Array<Record<string, Record<string, unknown>>>;

export interface TaskRef {
  name: string;
  task: Record<string, unknown>;
  /** JSON pointer of the task, e.g. `/do/0/validate`. */
  pointer: string;
  list: string;
  index: number;
}

export function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The task list at `pointer` (e.g. `/do/1/checks/do`). */
export function listAt(doc: WorkflowDocument, pointer: string): TaskList {
  let node: unknown = doc;
  for (const segment of pointer.split('/').slice(1).map(unescapeSegment)) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  if (!Array.isArray(node)) throw new InvalidWorkflowState(`no task list at ${pointer}: state and document disagree`);
  return node as TaskList;
}

export function taskAt(doc: WorkflowDocument, list: string, index: number): TaskRef {
  const entry = listAt(doc, list)[index];
  const name = entry ? Object.keys(entry)[0] : undefined;
  if (!entry || name === undefined) throw new InvalidWorkflowState(`no task at ${list}/${index}: state and document disagree`);
  return { name, task: entry[name] as Record<string, unknown>, pointer: `${list}/${index}/${escapeSegment(name)}`, list, index };
}

export function indexOfTask(list: TaskList, name: string): number {
  return list.findIndex((entry) => Object.keys(entry)[0] === name);
}

/**
 * Where the task called `name` is: the lists to enter, outermost first. Shallower tasks win,
 * so a top-level `revoke` is found before a nested one.
 */
export function findTaskPath(doc: WorkflowDocument, name: string): Array<{ list: string; index: number }> | undefined {
  let level: Array<{ pointer: string; path: Array<{ list: string; index: number }> }> = [{ pointer: '/do', path: [] }];
  while (level.length > 0) {
    const next: typeof level = [];
    for (const { pointer, path } of level) {
      const list = listAt(doc, pointer);
      const index = indexOfTask(list, name);
      if (index !== -1) return [...path, { list: pointer, index }];
      list.forEach((entry, i) => {
        const [taskName, task] = Object.entries(entry)[0] ?? [];
        if (taskName !== undefined && task && Array.isArray(task.do) && !('for' in task)) {
          next.push({ pointer: `${pointer}/${i}/${escapeSegment(taskName)}/do`, path: [...path, { list: pointer, index: i }] });
        }
      });
    }
    level = next;
  }
  return undefined;
}
