export { SuggestionIndex, FIELD_WEIGHTS, MIN_SCORE, type RankedProvider, type RankedRole, type RankedSuggestion } from './ranking.js';
export { suggestRequests, durationFor, DEFAULT_DURATION_MS, type Suggestion, type SuggestOptions } from './suggest.js';
export { durationFromText, isTimeZone, type TextDuration } from './duration-text.js';
