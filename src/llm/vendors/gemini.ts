// Gemini generateContent (POST /v1beta/models/{model}:generateContent, x-goog-api-key) with
// generationConfig {responseMimeType: application/json, responseSchema}; the answer is the
// JSON text of candidates[0].content.parts[0].text. Gemini's schema is an OpenAPI subset:
// no additionalProperties.
import { LanguageModelUnavailable } from '../errors.js';
import { base, postJson } from './http.js';
import { parseContent } from './openai.js';
import type { StructuredAsk } from './types.js';

export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

export async function askGemini(ask: StructuredAsk): Promise<unknown> {
  const { additionalProperties: _ignored, ...schema } = ask.schema;
  const answer = await postJson(
    `${base(ask.config.base_url ?? GEMINI_BASE_URL)}/v1beta/models/${encodeURIComponent(ask.config.model)}:generateContent`,
    { 'x-goog-api-key': ask.config.api_key },
    {
      systemInstruction: { parts: [{ text: ask.system }] },
      contents: [{ role: 'user', parts: [{ text: ask.user }] }],
      generationConfig: { responseMimeType: 'application/json', responseSchema: schema },
    },
    ask.signal,
  );
  const text = (answer as { candidates?: { content?: { parts?: { text?: unknown }[] } }[] }).candidates?.[0]?.content?.parts?.[0]?.text;
  if (typeof text !== 'string') throw new LanguageModelUnavailable('the language model\'s answer had no text part');
  return parseContent(text);
}
