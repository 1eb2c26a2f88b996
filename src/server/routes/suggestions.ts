import { route } from '../api/route.js';
import { suggestionAskSchema, suggestionListSchema } from '../api/schemas.js';
import type { SuggestionService } from '../services/suggestions.js';

export function suggestionRoutes(suggestions: SuggestionService) {
  return [
    route({
      method: 'post',
      path: '/api/v1/suggestions',
      summary: 'Requests that fit a text in plain words, among the roles you may request now (best first)',
      tag: 'requests',
      auth: true,
      body: suggestionAskSchema,
      response: suggestionListSchema,
      handler: ({ body, identity }) => suggestions.suggest(identity, body),
    }),
  ];
}
