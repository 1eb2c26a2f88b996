// OpenAI chat completions (POST /v1/chat/completions) with structured outputs:
// response_format {type: json_schema, json_schema: {name, strict: true, schema}}; the answer is
// the JSON text of choices[0].message.content. Any OpenAI-compatible server via base_url.
import { LanguageModelUnavailable } from '../errors.js';
import { base, postJson } from './http.js';
import type { StructuredAsk } from './types.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export async function askOpenAi(ask: StructuredAsk): Promise<unknown> {
  const answer = await postJson(
    `${base(ask.config.base_url ?? OPENAI_BASE_URL)}/chat/completions`,
    { authorization: `Bearer ${ask.config.api_key}` },
    {
      model: ask.config.model,
      messages: [
        { role: 'system', content: ask.system },
        { role: 'user', content: ask.user },
      ],
      response_format: { type: 'json_schema', json_schema: { name: ask.name, strict: true, schema: ask.schema } },
    },
    ask.signal,
  );
  const message = (answer as { choices?: { message?: { content?: unknown; refusal?: unknown } }[] }).choices?.[0]?.message;
  if (typeof message?.refusal === 'string' && message.refusal !== '') throw new LanguageModelUnavailable('the language model refused to answer');
  if (typeof message?.content !== 'string') throw new LanguageModelUnavailable('the language model\'s answer had no message content');
  return parseContent(message.content);
}

export function parseContent(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    throw new LanguageModelUnavailable('the language model\'s answer was not the JSON asked for');
  }
}
