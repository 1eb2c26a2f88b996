// A duration in config: `90s`, `30m`, `1h`, `1h30m`, or ISO-8601 `PT8H`. Kept as the text the
// user wrote (so JSON Schema and error messages show it); parsed to milliseconds by core's
// tryParseDuration, the one place durations are parsed.
import { z } from 'zod';
import { tryParseDuration } from '../../core/index.js';

export const durationSchema = z
  .string()
  .refine((text) => (tryParseDuration(text) ?? 0) > 0, {
    error: (issue) => `"${String(issue.input)}" is not a positive duration (use e.g. 90s, 30m, 1h or ISO-8601 PT1H)`,
  })
  .meta({ description: 'A duration such as 90s, 30m, 1h, 1h30m or ISO-8601 PT1H', examples: ['1h', 'PT8H'] });

/** Milliseconds of a duration that passed durationSchema. */
export function durationMs(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new TypeError(`durationMs called on an unvalidated duration "${text}"`);
  return ms;
}
