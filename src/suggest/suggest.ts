// From a person's words to ready-to-send requests: the ranking's best roles, each with a
// duration (what the text asks for, within the role's maximum) and the text as the reason.
import { formatIsoDuration } from '../core/duration.js';
import { durationFromText } from './duration-text.js';
import type { RankedRole, SuggestionIndex } from './ranking.js';

/** One suggested request: what `POST /api/v1/requests` takes, with why it was suggested. */
export interface Suggestion {
  role: string;
  provider: string;
  /** ISO-8601. */
  duration: string;
  reason: string;
  /** 0..1: how much of the text the role matches. */
  score: number;
  why: string[];
}

/** A duration when the text names none: an hour, or the role's maximum when shorter. */
export const DEFAULT_DURATION_MS = 60 * 60 * 1000;

export interface SuggestOptions {
  /** Whether the person may request the role on the provider now (the policy, with everything but the duration). */
  allowed: (role: RankedRole, providerId: string) => boolean;
  now: number;
  /** IANA time zone for times of day in the text; default the server's. */
  timeZone?: string;
  limit?: number;
}

export function suggestRequests(index: SuggestionIndex, text: string, options: SuggestOptions): Suggestion[] {
  const asked = durationFromText(text, options.now, options.timeZone);
  return index.rank(text, options.allowed, options.limit ?? 5).map(({ role, provider, score, why }) => {
    const { ms, note } = durationFor(role, asked);
    return { role: role.id, provider: provider.id, duration: formatIsoDuration(ms), reason: text.trim(), score, why: note ? [...why, note] : why };
  });
}

/** The duration asked for (or the default), within the role's maximum; a note says when it was shortened. */
export function durationFor(role: Pick<RankedRole, 'maxDurationMs'>, asked: { ms: number; phrase: string } | undefined): { ms: number; note?: string } {
  const wanted = asked?.ms ?? DEFAULT_DURATION_MS;
  if (wanted <= role.maxDurationMs) return asked ? { ms: wanted, note: `"${asked.phrase}" read as ${formatIsoDuration(wanted)}` } : { ms: wanted };
  const max = formatIsoDuration(role.maxDurationMs);
  return { ms: role.maxDurationMs, ...(asked ? { note: `"${asked.phrase}" is longer than the role allows: shortened to its maximum ${max}` } : {}) };
}
