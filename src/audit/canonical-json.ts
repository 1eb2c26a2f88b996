// Canonical JSON: the one byte-exact serialisation the audit hash is computed over. Object keys
// are sorted (by UTF-16 code units, recursively); everything else follows JSON.stringify, so
// parsing the output and canonicalising it again gives the same string — which is what lets
// `verify()` recompute a hash from the stored JSON.

/** Thrown for values JSON cannot represent faithfully (bigint, cycles). */
export class CanonicalJsonError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalJson(value: unknown): string {
  const out = write(value, new Set());
  // Like JSON.stringify, a top-level undefined/function/symbol has no JSON form.
  if (out === undefined) throw new CanonicalJsonError('value has no JSON representation');
  return out;
}

/** Returns undefined where JSON.stringify would omit the value (undefined, functions, symbols). */
function write(value: unknown, seen: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      // JSON.stringify's rule: NaN and ±Infinity become null, -0 becomes 0.
      return JSON.stringify(value);
    case 'bigint':
      throw new CanonicalJsonError('bigint has no JSON representation');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }

  const obj = value as object;
  // Dates and other objects that define toJSON serialise as JSON.stringify would.
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(obj), seen);

  if (seen.has(obj)) throw new CanonicalJsonError('cyclic structure has no JSON representation');
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[' + obj.map((item: unknown) => write(item, seen) ?? 'null').join(',') + ']';
  } else {
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const item = write(record[key], seen);
      if (item !== undefined) parts.push(JSON.stringify(key) + ':' + item);
    }
    out = '{' + parts.join(',') + '}';
  }
  seen.delete(obj);
  return out;
}
