// A contract server for Anthropic messages (docs.anthropic.com/en/api/messages): POST
// /v1/messages with `x-api-key` and `anthropic-version`, `model`, `max_tokens`, `messages`, and
// tool use (`tools[].input_schema`, `tool_choice: {type: tool, name}`); the answer is a tool_use
// content block; errors as `{type: error, error: {type, message}}`.
import { startContractServer, type ContractServer } from './contract-server.fake.js';

const error = (status: number, type: string, message: string) => ({ status, body: { type: 'error', error: { type, message } } });

export function startAnthropicContract(apiKey: string): Promise<ContractServer> {
  return startContractServer({
    check({ method, path, headers, body }) {
      if (method !== 'POST' || path !== '/v1/messages') return error(404, 'not_found_error', 'Not found');
      if (headers['x-api-key'] !== apiKey) return error(401, 'authentication_error', 'invalid x-api-key');
      if (typeof headers['anthropic-version'] !== 'string') return error(400, 'invalid_request_error', 'anthropic-version: header is required');
      if (typeof body !== 'object' || body === null) return error(400, 'invalid_request_error', 'invalid JSON body');
      const b = body as { model?: unknown; max_tokens?: unknown; messages?: unknown; tools?: { name?: unknown; input_schema?: { type?: unknown } }[]; tool_choice?: { type?: unknown; name?: unknown } };
      if (typeof b.model !== 'string') return error(400, 'invalid_request_error', 'model: Field required');
      if (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 1) return error(400, 'invalid_request_error', 'max_tokens: Field required');
      if (!Array.isArray(b.messages) || b.messages.length === 0 || (b.messages[0] as { role?: unknown }).role !== 'user') return error(400, 'invalid_request_error', 'messages: the first message must use the "user" role');
      for (const [i, tool] of (b.tools ?? []).entries()) {
        if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) return error(400, 'invalid_request_error', `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
        if (tool.input_schema?.type !== 'object') return error(400, 'invalid_request_error', `tools.${i}.input_schema.type: Input should be 'object'`);
      }
      if (b.tool_choice?.type === 'tool' && !(b.tools ?? []).some((t) => t.name === b.tool_choice?.name)) return error(400, 'invalid_request_error', 'tool_choice: the named tool is not in tools');
      if (b.tool_choice?.type !== 'tool') return error(400, 'invalid_request_error', 'this contract server expects tool_choice {type: tool}');
      return undefined;
    },
    answer(value, request) {
      const name = (request.tool_choice as { name: string }).name;
      // A malformed answer from tool use: an input that is not the schema's object.
      const input = typeof value === 'string' ? { text: value } : value;
      return {
        id: 'msg_contract',
        type: 'message',
        role: 'assistant',
        model: request.model,
        content: [{ type: 'tool_use', id: 'toolu_contract', name, input }],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 100, output_tokens: 20 },
      };
    },
    rateLimited: () => ({ type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } }),
  });
}
