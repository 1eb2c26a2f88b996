// A contract server for OpenAI chat completions (platform.openai.com/docs/api-reference/chat):
// POST /v1/chat/completions with `Authorization: Bearer`, `model`, `messages`, and structured
// outputs `response_format: {type: json_schema, json_schema: {name, strict, schema}}`; errors
// as `{error: {message, type, code}}`.
import { startContractServer, strictSchemaProblem, type ContractServer } from './contract-server.fake.js';

const error = (status: number, message: string, type = 'invalid_request_error', code: string | null = null) => ({ status, body: { error: { message, type, param: null, code } } });

export function startOpenAiContract(apiKey: string): Promise<ContractServer> {
  return startContractServer({
    check({ method, path, headers, body }) {
      if (method !== 'POST' || path !== '/v1/chat/completions') return error(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', 'unknown_url');
      if (headers.authorization !== `Bearer ${apiKey}`) return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      if (typeof body !== 'object' || body === null) return error(400, 'We could not parse the JSON body of your request.');
      const b = body as { model?: unknown; messages?: unknown; response_format?: { type?: unknown; json_schema?: { name?: unknown; strict?: unknown; schema?: unknown } } };
      if (typeof b.model !== 'string' || b.model === '') return error(400, "you must provide a model parameter");
      if (!Array.isArray(b.messages) || b.messages.length === 0 || !b.messages.every((m: { role?: unknown; content?: unknown }) => ['system', 'developer', 'user', 'assistant'].includes(String(m.role)) && typeof m.content === 'string')) {
        return error(400, "Invalid 'messages': each needs a role and a string content.");
      }
      const format = b.response_format;
      if (format?.type !== 'json_schema') return error(400, "This contract server expects response_format.type 'json_schema'.");
      if (typeof format.json_schema?.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(format.json_schema.name)) return error(400, "Invalid 'response_format.json_schema.name'.");
      if (format.json_schema.strict === true) {
        const problem = strictSchemaProblem(format.json_schema.schema);
        if (problem) return error(400, `Invalid schema for response_format '${format.json_schema.name}': ${problem}.`);
      }
      return undefined;
    },
    answer(value, request) {
      const content = typeof value === 'string' ? value : JSON.stringify(value);
      return {
        id: 'chatcmpl-contract',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      };
    },
    rateLimited: () => ({ error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }),
  });
}
