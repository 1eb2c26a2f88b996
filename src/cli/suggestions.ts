// Shared by `lease suggest` and `lease request "TEXT"`: asking the server which requests fit a
// text, and how suggestions print (through output.ts: the why quotes the person's own words).
import type { ApiClient } from './client.js';
import { printLine } from './output.js';

export interface SuggestionView {
  role: string;
  provider: string;
  duration: string;
  reason: string;
  score: number;
  why: string[];
}

export interface SuggestionList {
  suggestions: SuggestionView[];
  source: 'offline' | 'llm';
  fallback?: { reason: string };
}

/** The local time zone, so "until 17:00" means 17:00 where the person is. */
function localTimeZone(): string | undefined {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && zone !== 'Etc/Unknown' ? zone : undefined;
}

export function askSuggestions(client: ApiClient, text: string): Promise<SuggestionList> {
  const timeZone = localTimeZone();
  return client.post<SuggestionList>('/api/v1/suggestions', { text, ...(timeZone ? { time_zone: timeZone } : {}) });
}

/** Numbered, best first: `1. ROLE on PROVIDER for DURATION (score)` and its reasons. */
export function printSuggestions(list: SuggestionList): void {
  list.suggestions.forEach((s, i) => {
    printLine(`${i + 1}. ${s.role} on ${s.provider} for ${s.duration}  (score ${s.score.toFixed(2)})`);
    for (const why of s.why) printLine(`     ${why}`);
  });
  if (list.fallback) printLine(`(offline ranking: ${list.fallback.reason})`);
}
