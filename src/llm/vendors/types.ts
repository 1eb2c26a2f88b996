import type { LlmServiceConfig } from '../../config/schema/services.js';

/** One question whose answer must be a JSON document matching `schema`. */
export interface StructuredAsk {
  config: LlmServiceConfig;
  /** A name for the schema (OpenAI's json_schema.name, Anthropic's tool name). */
  name: string;
  system: string;
  user: string;
  schema: Record<string, unknown>;
  signal: AbortSignal;
}
