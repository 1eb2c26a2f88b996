// Anthropic messages (POST /v1/messages, x-api-key + anthropic-version) with tool use: one tool
// whose input_schema is the answer's schema, forced with tool_choice {type: tool, name}; the
// answer is the tool_use block's input.
import { LanguageModelUnavailable } from '../errors.js';
import { base, postJson } from './http.js';
import type { StructuredAsk } from './types.js';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

export async function askAnthropic(ask: StructuredAsk): Promise<unknown> {
  const answer = await postJson(
    `${base(ask.config.base_url ?? ANTHROPIC_BASE_URL)}/v1/messages`,
    { 'x-api-key': ask.config.api_key, 'anthropic-version': ANTHROPIC_VERSION },
    {
      model: ask.config.model,
      max_tokens: 512,
      system: ask.system,
      messages: [{ role: 'user', content: ask.user }],
      tools: [{ name: ask.name, description: 'Give the answer.', input_schema: ask.schema }],
      tool_choice: { type: 'tool', name: ask.name },
    },
    ask.signal,
  );
  const content = (answer as { content?: { type?: string; name?: string; input?: unknown }[] }).content;
  const use = Array.isArray(content) ? content.find((block) => block.type === 'tool_use' && block.name === ask.name) : undefined;
  if (use === undefined || typeof use.input !== 'object' || use.input === null) throw new LanguageModelUnavailable('the language model\'s answer had no tool_use block');
  return use.input;
}
