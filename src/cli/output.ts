// How commands print: `--json` prints exactly one JSON document on stdout; otherwise short
// human-readable lines. Diagnostics go to stderr.
//
// Every printer here escapes what a terminal would act on rather than show: text from one user
// (a reason, a name from an identity provider) or from a server reaches another person's
// terminal, so it must never move the cursor, rewrite a line, retitle the window or reorder
// what is shown. Commands print through these functions only.

/**
 * Characters a terminal acts on: C0 controls (ESC, CR, LF, BEL, ...), DEL and the C1 controls
 * (U+0080–U+009F, CSI among them), the bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE...)
 * that make text read differently from what it is, and the Unicode line and paragraph separators.
 */
const TERMINAL_CONTROLS = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeControl(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.codePointAt(0) as number;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every terminal control shown as an escape (`\x1b`, `\r`, `\u202e`): one inert line. */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROLS, escapeControl);
}

/**
 * Characters JSON.stringify leaves raw that a terminal would still act on (it escapes only
 * U+0000–U+001F). In a JSON document they can only stand inside strings, so writing them as
 * \uXXXX keeps the document exactly the same value for any parser.
 */
const JSON_RAW_CONTROLS = /[\u007f-\u009f\p{Bidi_Control}\u2028\u2029]/gu;

/** The JSON document for `value`, safe to show on a terminal and parsing to exactly `value`. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_RAW_CONTROLS, (ch) => `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`);
}

export function printJson(value: unknown): void {
  process.stdout.write(jsonText(value) + '\n');
}

/** One line on stdout; controls in `text` (newlines too) are escaped, so print each line apart. */
export function printLine(text = ''): void {
  process.stdout.write(terminalSafe(text) + '\n');
}

/** One diagnostic line on stderr, escaped like printLine. */
export function printError(text: string): void {
  process.stderr.write(terminalSafe(text) + '\n');
}

/** A plain text table: columns padded to their widest (escaped) cell. */
export function printTable(headers: string[], rows: string[][]): void {
  const safe = rows.map((r) => r.map(terminalSafe));
  const widths = headers.map((h, i) => Math.max(h.length, ...safe.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  printLine(line(headers));
  for (const row of safe) printLine(line(row));
}
