// Reads a workflow to run on its own: a DSL document (top-level `document:`) or a Thand-style
// workflows file (`workflows: {id: {workflow: <document>}}`, `--name` picks one).
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { InvalidInput } from '../../core/index.js';
import type { WorkflowDocument } from '../interpreter/types.js';

export async function loadWorkflowFile(path: string, name?: string): Promise<{ name: string; document: WorkflowDocument }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidInput(`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new InvalidInput(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(data)) throw new InvalidInput(`${path}: expected a workflow document or a workflows file`);
  if ('document' in data) return { name: name ?? String((data.document as Record<string, unknown> | undefined)?.name ?? path), document: data as unknown as WorkflowDocument };
  const workflows = data.workflows ?? data.policies;
  if (!isRecord(workflows)) throw new InvalidInput(`${path}: no top-level \`document:\` or \`workflows:\``);
  const ids = Object.keys(workflows);
  const id = name ?? (ids.length === 1 ? ids[0] : undefined);
  if (!id) throw new InvalidInput(`${path}: holds several workflows (${ids.join(', ')}); pick one with --name`);
  const entry = workflows[id];
  if (!isRecord(entry) || !isRecord(entry.workflow)) throw new InvalidInput(`${path}: workflows.${id}.workflow is missing`);
  return { name: id, document: entry.workflow as unknown as WorkflowDocument };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
