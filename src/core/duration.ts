// Durations are parsed in this one place. Accepted: `90s`, `10m`, `1h`, `2d`, combinations such as
// `1h30m`, and ISO-8601 durations (`PT1H`, `PT10M30S`, `P1D`). Years and months are refused:
// their length depends on the calendar.
import { InvalidInput } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SHORT = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w))+$/;
const SHORT_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Parses a duration into milliseconds, or returns undefined when the text is not a duration. */
export function tryParseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (SHORT.test(s)) {
    let total = 0;
    for (const m of s.matchAll(SHORT_PART)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    return Math.round(total);
  }
  const iso = ISO.exec(s.toUpperCase());
  if (iso && s.length > 1 && !s.toUpperCase().endsWith('T')) {
    const [, w, d, h, m, sec] = iso;
    if ([w, d, h, m, sec].every((x) => x === undefined)) return undefined;
    const n = (x: string | undefined) => (x === undefined ? 0 : Number(x));
    return Math.round(n(w) * UNIT_MS.w! + n(d) * UNIT_MS.d! + n(h) * UNIT_MS.h! + n(m) * UNIT_MS.m! + n(sec) * 1000);
  }
  return undefined;
}

/** Parses a duration into milliseconds; throws InvalidInput (code invalid_input) naming `field`. */
export function parseDuration(text: string, field = 'duration'): number {
  const ms = tryParseDuration(text);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new InvalidInput(`"${text}" is not a duration (use e.g. 90s, 10m, 1h or ISO-8601 PT1H)`, field);
  }
  if (ms <= 0) throw new InvalidInput('duration must be greater than zero', field);
  return ms;
}

/** Formats milliseconds as an ISO-8601 duration, e.g. 5400000 → PT1H30M. */
export function formatIsoDuration(ms: number): string {
  let rest = Math.round(ms);
  const days = Math.floor(rest / UNIT_MS.d!);
  rest -= days * UNIT_MS.d!;
  const hours = Math.floor(rest / UNIT_MS.h!);
  rest -= hours * UNIT_MS.h!;
  const minutes = Math.floor(rest / UNIT_MS.m!);
  rest -= minutes * UNIT_MS.m!;
  const seconds = rest / 1000;
  let out = 'P' + (days ? `${days}D` : '');
  const time = (hours ? `${hours}H` : '') + (minutes ? `${minutes}M` : '') + (seconds ? `${seconds}S` : '');
  if (time) out += 'T' + time;
  return out === 'P' ? 'PT0S' : out;
}
