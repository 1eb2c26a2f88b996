export { LanguageModel, DEFAULT_TIMEOUT_MS } from './model.js';
export { LanguageModelUnavailable } from './errors.js';
export type { Choice, OfferedRequest } from './choice.js';
