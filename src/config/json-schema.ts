// JSON Schema of a config file, for editors (e.g. the YAML language server's
// `# yaml-language-server: $schema=...`). Generated from the same zod schemas the loader uses.
// It describes the file as written (input): defaults are optional, refinements such as
// "a valid duration" or "not both scopes and applies" are checked only by the loader.
import { z } from 'zod';
import { configFileSchema } from './schema/index.js';

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
