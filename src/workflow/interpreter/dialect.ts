// Thand's dialect. A document that calls a built-in by its Thand name (`thand: <name>` or
// `call: thand.<name>`, in any of its tasks) was written for Thand's runner, the Serverless
// Workflow Go SDK, whose data flow differs from DSL 1.0 where Thand's workflows rely on it:
//  - `$input` is the workflow's (transformed) input in every expression, nested `for` bodies
//    included (DSL 1.0: the task's transformed input), so an inner loop reads `$input.<list>`
//    after the outer body replaced `.`;
//  - `$context` starts as the request as given, before the workflow's `input.from`.
import type { WorkflowDocument } from './types.js';

const dialects = new WeakMap<WorkflowDocument, boolean>();

/** True when the document names a Thand built-in anywhere in its tasks. */
export function isThandDialect(doc: WorkflowDocument): boolean {
  let thand = dialects.get(doc);
  if (thand === undefined) {
    thand = namesThandCall(doc.do);
    dialects.set(doc, thand);
  }
  return thand;
}

function namesThandCall(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(namesThandCall);
  if (node === null || typeof node !== 'object') return false;
  const obj = node as Record<string, unknown>;
  if (typeof obj.thand === 'string' || (typeof obj.call === 'string' && obj.call.startsWith('thand.'))) return true;
  return Object.values(obj).some(namesThandCall);
}
