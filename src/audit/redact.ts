// Defence in depth for the audit trail: no password, token or credential is ever written to it.
// Callers must not pass secrets at all; this catches the mistakes. The rule is by key name,
// applied at every depth (objects inside arrays too), and replaces the whole value.

export const REDACTED = '[redacted]';

/** Key names whose values are never stored, matched anywhere in the key, case-insensitively. */
export const SECRET_KEY_PATTERN = /pass(word)?|secret|token|authorization|cookie|private_?key|api_?key|credential/i;

/** Returns a copy of `value` with the values of secret-looking keys replaced by "[redacted]". */
export function redactSecrets<T>(value: T): T {
  return redact(value, new WeakSet()) as T;
}

function redact(value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Cycles are left for canonicalJson to refuse; here we only avoid looping forever.
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item: unknown) => redact(item, seen));
  // Dates and other toJSON objects are serialised as-is; they have no keys to inspect.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;

  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY_PATTERN.test(key) ? REDACTED : redact(item, seen);
  }
  return out;
}
