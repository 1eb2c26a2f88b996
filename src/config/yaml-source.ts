// Parses one YAML file and remembers where each node was, so a problem found later (by zod, by
// a cross-reference check) can be reported with its line.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { IssueLog, PathSegment } from './issues.js';

// Alias expansion is bounded so a small file cannot expand into a huge one ("billion laughs").
const MAX_ALIAS_COUNT = 100;

export class YamlSource {
  private readonly renames: Array<{ from: PathSegment[]; to: PathSegment[] }> = [];

  constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Records that what the loader calls `from` is written as `to` in the file, e.g. the
   * `policies` alias, or an entry of a `providers:` list keyed by its name.
   */
  renamePrefix(from: PathSegment[], to: PathSegment[]): void {
    this.renames.push({ from, to });
  }

  /** Line of the node at `path` (of its key, in a map), or of its nearest ancestor present in the file. */
  lineOf(path: readonly PathSegment[]): number | undefined {
    let written = this.writtenPath(path);
    for (; written.length > 0; written = written.slice(0, -1)) {
      const offset = rangeStart(this.keyNode(written)) ?? rangeStart(this.doc.getIn(written, true));
      if (offset !== undefined) return this.lines.linePos(offset).line;
    }
    return undefined;
  }

  /** The key of the last segment when its parent is a map: a nested map's value starts a line below. */
  private keyNode(path: readonly PathSegment[]): unknown {
    const parent: unknown = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const last = String(path[path.length - 1]);
    return parent.items.find((pair) => (isScalar(pair.key) ? String(pair.key.value) : undefined) === last)?.key;
  }

  private writtenPath(path: readonly PathSegment[]): PathSegment[] {
    let out = [...path];
    for (const { from, to } of this.renames) {
      if (from.every((segment, i) => out[i] === segment)) out = [...to, ...out.slice(from.length)];
    }
    return out;
  }
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

/** Parses YAML text; syntax errors go to the log with their line, and nothing is returned. */
export function parseYamlSource(file: string, text: string, log: IssueLog): YamlSource | undefined {
  const lines = new LineCounter();
  // `merge: true` accepts `<<: *defaults`, common in hand-written config.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line, col } = lines.linePos(error.pos[0]);
      log.error(file, [], `YAML syntax error: ${error.message}`, { line, column: col });
    }
    return undefined;
  }
  for (const warning of doc.warnings) {
    log.warn(file, [], `YAML: ${warning.message} (line ${lines.linePos(warning.pos[0]).line})`);
  }
  const cycle = findCyclicAlias(doc);
  if (cycle !== undefined) {
    log.error(file, cycle.path, `YAML: alias *${cycle.anchor} refers to a node that contains it (a cycle): use a plain value here`, {
      line: lines.linePos(cycle.offset).line,
      column: lines.linePos(cycle.offset).col,
    });
    return undefined;
  }
  try {
    return new YamlSource(file, doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), doc, lines);
  } catch (err) {
    // toJS fails on an unresolved or over-used alias; that is a problem in the file.
    log.error(file, [], `YAML: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/**
 * An alias inside the node its anchor names (`roles: &a {x: *a}`) would expand forever: the
 * parser builds a circular value that every later step would recurse into. An alias can only
 * name an anchor written before it, so every cycle has this shape.
 */
function findCyclicAlias(doc: Document): { path: PathSegment[]; anchor: string; offset: number } | undefined {
  const open = new Set<unknown>();
  const walk = (node: unknown, path: PathSegment[]): { path: PathSegment[]; anchor: string; offset: number } | undefined => {
    if (isAlias(node)) {
      return open.has(node.resolve(doc)) ? { path, anchor: node.source, offset: node.range?.[0] ?? 0 } : undefined;
    }
    if (!isMap(node) && !isSeq(node)) return undefined;
    open.add(node);
    try {
      for (const [i, item] of (node.items as unknown[]).entries()) {
        const found = isPair(item) ? (walk(item.key, path) ?? walk(item.value, [...path, pairKey(item.key)])) : walk(item, [...path, i]);
        if (found) return found;
      }
      return undefined;
    } finally {
      open.delete(node);
    }
  };
  return walk(doc.contents, []);
}

function pairKey(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key as Node | null);
}
