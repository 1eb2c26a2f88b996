// JSON Schemas in documents (`input.schema`, `output.schema`, `export.schema`): DSL 1.0's
// `{format: json, document: {...}}`, or a bare schema object. Compiled validators are cached by
// schema text; compiling is pure, so the cache never changes a result.
import { createRequire } from 'node:module';
import type { Ajv, ValidateFunction } from 'ajv';
import type { SchemaCheck } from '../interpreter/types.js';

// Ajv (64 modules) is loaded on the first schema, not at start-up: most configs have none.
// It is CommonJS, so a synchronous require keeps these checks synchronous.
let ajvInstance: Ajv | undefined;
const ajv = (): Ajv => (ajvInstance ??= new (createRequire(import.meta.url)('ajv') as { Ajv: typeof Ajv }).Ajv({ strict: false, allErrors: true }));
const compiled = new Map<string, ValidateFunction>();
const CACHE_LIMIT = 500;

/** The JSON Schema a DSL schema holds, or undefined when there is none. */
export function schemaDocument(schema: unknown): Record<string, unknown> | boolean | undefined {
  if (typeof schema === 'boolean') return schema;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const s = schema as Record<string, unknown>;
  if ('document' in s) return isSchema(s.document) ? s.document : undefined;
  return s;
}

/** Returns a message when `schema` is not a usable JSON Schema (load-time check), else undefined. */
export function checkSchema(schema: unknown): string | undefined {
  if (schema !== null && typeof schema === 'object' && 'resource' in schema) return 'external schema resources are not supported: inline the schema as `document`';
  if (schema !== null && typeof schema === 'object' && 'format' in schema && (schema as { format: unknown }).format !== 'json') return 'only `format: json` schemas are supported';
  const document = schemaDocument(schema);
  if (document === undefined) return 'must be {format: json, document: {...}}';
  try {
    validatorFor(document);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Validates `value` against `schema`: undefined when it matches (or there is no schema), else
 * the problems as one line naming the value `what`. Throws when the schema does not compile.
 */
export function schemaProblems(schema: unknown, value: unknown, what: string): string | undefined {
  const document = schemaDocument(schema);
  if (document === undefined) return undefined;
  const validate = validatorFor(document);
  return validate(value ?? null) ? undefined : ajv().errorsText(validate.errors, { dataVar: what });
}

/** `schemaProblems` as a value, for the interpreter (InterpreterEnv.schemas): never throws. */
export function checkAgainstSchema(schema: unknown, value: unknown, what: string): SchemaCheck {
  try {
    return { ok: true, problems: schemaProblems(schema, value, what) ?? null };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

function validatorFor(document: Record<string, unknown> | boolean): ValidateFunction {
  const key = JSON.stringify(document);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv().compile(document);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

function isSchema(value: unknown): value is Record<string, unknown> | boolean {
  return typeof value === 'boolean' || (value !== null && typeof value === 'object' && !Array.isArray(value));
}
