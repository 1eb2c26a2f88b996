// How long a person asks for, in their own words: "for 2 hours", "30 min", "90m", "1h30m",
// "half an hour", "until 17:00", "till 5pm", "till end of day". Times of day are read in the
// person's time zone (the server's unless they give theirs); the end of the day is 18:00, the
// end of a working day, or midnight once that has passed.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const END_OF_WORKING_DAY = 18 * 60;

export interface TextDuration {
  ms: number;
  /** The words that said it, as written. */
  phrase: string;
}

const UNITS: [RegExp, number][] = [
  [/^(?:s|sec|secs|second|seconds)$/, 1000],
  [/^(?:m|min|mins|minute|minutes)$/, MINUTE],
  [/^(?:h|hr|hrs|hour|hours)$/, HOUR],
  [/^(?:d|day|days)$/, DAY],
];

const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12, fifteen: 15, twenty: 20, thirty: 30, 'forty-five': 45, ninety: 90 };

function unitMs(unit: string): number | undefined {
  return UNITS.find(([pattern]) => pattern.test(unit))?.[1];
}

const AMOUNT = String.raw`(\d+(?:[.,]\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty-five|ninety)`;
const UNIT = String.raw`(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)`;
/** `2 hours`, `30 min`, `90m`, `1h30m`, `an hour`, `1.5 hours`. */
const SPAN = new RegExp(String.raw`\b${AMOUNT}\s*${UNIT}(?:\s*(?:and\s+)?(\d+)\s*(minutes?|mins?|m))?\b`, 'i');
const HALF_HOUR = /\bhalf\s+an?\s+hour\b/i;
/** `until 17:00`, `till 5pm`, `til 9:30 am`, `until 17h`. */
const UNTIL_TIME = /\b(?:until|till|til)\s+(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|h)?\b(?!\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)\b)/i;
const UNTIL_END_OF_DAY = /\b(?:until|till|til|through|for\s+the\s+rest\s+of|to)\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:working\s+|work\s+|business\s+)?day|eod|cob|close\s+of\s+business|tonight)\b/i;

/** The duration the text asks for, or undefined when it names none. `now` and `timeZone` place times of day. */
export function durationFromText(text: string, now: number, timeZone?: string): TextDuration | undefined {
  const endOfDay = UNTIL_END_OF_DAY.exec(text);
  if (endOfDay) {
    const minutes = minutesOfDay(now, timeZone);
    const target = minutes < END_OF_WORKING_DAY ? END_OF_WORKING_DAY : 24 * 60;
    return { ms: untilMinutes(now, minutes, target), phrase: endOfDay[0] };
  }
  const until = UNTIL_TIME.exec(text);
  if (until) {
    let hour = Number(until[1]);
    const minute = until[2] === undefined ? 0 : Number(until[2]);
    const suffix = until[3]?.toLowerCase();
    const twelveHour = suffix === 'am' || suffix === 'pm';
    if (minute < 60 && (twelveHour ? hour >= 1 && hour <= 12 : hour <= 24)) {
      if (suffix === 'pm' && hour < 12) hour += 12;
      if (suffix === 'am' && hour === 12) hour = 0;
      return { ms: untilMinutes(now, minutesOfDay(now, timeZone), (hour % 24) * 60 + minute), phrase: until[0] };
    }
  }
  if (HALF_HOUR.test(text)) return { ms: 30 * MINUTE, phrase: HALF_HOUR.exec(text)![0] };
  const span = SPAN.exec(text);
  if (span) {
    const amountText = span[1]!.toLowerCase();
    const amount = NUMBER_WORDS[amountText] ?? Number(amountText.replace(',', '.'));
    const unit = unitMs(span[2]!.toLowerCase());
    if (unit !== undefined && Number.isFinite(amount) && amount > 0) {
      const extra = span[3] === undefined ? 0 : Number(span[3]) * MINUTE;
      return { ms: Math.round(amount * unit + extra), phrase: span[0] };
    }
  }
  return undefined;
}

/** Minutes since midnight of `now` on the wall clock of `timeZone` (the process's own when undefined). */
export function minutesOfDay(now: number, timeZone?: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(timeZone ? { timeZone } : {}) }).formatToParts(new Date(now));
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

/** From the wall-clock minute `from` to the next `target` minute of the day (tomorrow's if it has passed). */
function untilMinutes(now: number, from: number, target: number): number {
  let minutes = target - from;
  if (minutes <= 0) minutes += 24 * 60;
  // Whole minutes on the wall clock; the seconds already gone in this minute are taken off.
  return Math.max(MINUTE, minutes * MINUTE - (now % MINUTE));
}

/** Whether `timeZone` is one Intl knows (an IANA name such as Europe/Paris). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}
