/** A YAML mapping once parsed: an object that is not an array (YAML never yields class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
