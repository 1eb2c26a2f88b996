// A contract server for Gemini generateContent (ai.google.dev/api/generate-content): POST
// /v1beta/models/{model}:generateContent with `x-goog-api-key`, `contents[].parts[].text`, and
// `generationConfig: {responseMimeType: application/json, responseSchema}` (an OpenAPI subset:
// `additionalProperties` is refused); errors as `{error: {code, message, status}}`.
import { startContractServer, type ContractServer } from './contract-server.fake.js';

const error = (code: number, status: string, message: string) => ({ status: code, body: { error: { code, message, status } } });

function unknownSchemaField(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' || key === '$schema') return key;
    if (key === 'properties') for (const property of Object.values(value as Record<string, unknown>)) { const found = unknownSchemaField(property); if (found) return found; }
  }
  return undefined;
}

export function startGeminiContract(apiKey: string): Promise<ContractServer> {
  return startContractServer({
    check({ method, path, headers, body }) {
      const match = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(path);
      if (method !== 'POST' || !match) return error(404, 'NOT_FOUND', `${path} is not found`);
      if (headers['x-goog-api-key'] !== apiKey) return error(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
      if (typeof body !== 'object' || body === null) return error(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
      const b = body as { contents?: { parts?: { text?: unknown }[] }[]; generationConfig?: { responseMimeType?: unknown; responseSchema?: unknown } };
      if (!Array.isArray(b.contents) || b.contents.length === 0 || !b.contents.every((c) => Array.isArray(c.parts) && c.parts.length > 0)) return error(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified');
      const config = b.generationConfig;
      if (config?.responseSchema !== undefined && config.responseMimeType !== 'application/json') return error(400, 'INVALID_ARGUMENT', 'responseSchema needs responseMimeType application/json');
      const unknown = unknownSchemaField(config?.responseSchema);
      if (unknown) return error(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${unknown}" at 'generation_config.response_schema': Cannot find field.`);
      if (config?.responseSchema === undefined) return error(400, 'INVALID_ARGUMENT', 'this contract server expects a responseSchema');
      return undefined;
    },
    answer(value) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return {
        candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 },
        modelVersion: 'contract',
      };
    },
    rateLimited: () => ({ error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } }),
  });
}
