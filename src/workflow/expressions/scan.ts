// Finds `${ ... }` runtime expressions inside a string. jq text may itself contain braces and
// string literals (`${ {a: "}"} }`), so the closing brace is found by scanning jq tokens, not by
// the first `}`.

export interface ExpressionSpan {
  /** Offset of `$` in `${`. */
  start: number;
  /** Offset just after the closing `}`. */
  end: number;
  /** The jq text between the braces, trimmed. */
  expression: string;
}

/** Thrown when a `${` has no matching `}`. */
export class UnterminatedExpression extends Error {
  constructor(readonly at: number) {
    super(`unterminated \${ expression starting at offset ${at}`);
  }
}

/** Returns the `${ }` spans of `text` in order; throws UnterminatedExpression. */
export function findExpressions(text: string): ExpressionSpan[] {
  const spans: ExpressionSpan[] = [];
  let i = 0;
  while ((i = text.indexOf('${', i)) !== -1) {
    const close = skipBalanced(text, i + 2, '}');
    if (close === -1) throw new UnterminatedExpression(i);
    spans.push({ start: i, end: close + 1, expression: text.slice(i + 2, close).trim() });
    i = close + 1;
  }
  return spans;
}

const CLOSERS: Record<string, string> = { '{': '}', '(': ')', '[': ']' };

/** Index of `closer` that balances the text from `from`, skipping jq strings and comments; -1 if none. */
function skipBalanced(text: string, from: number, closer: string): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === closer) return i;
    if (ch === '"') {
      i = skipString(text, i + 1);
      if (i === -1) return -1;
    } else if (ch === "'") {
      // Thand's single-quoted string literal (normalised to a JSON string before compiling).
      i = skipSingleQuoted(text, i + 1);
      if (i === -1) return -1;
    } else if (ch === '#') {
      const eol = text.indexOf('\n', i);
      if (eol === -1) return -1;
      i = eol;
    } else if (CLOSERS[ch]) {
      i = skipBalanced(text, i + 1, CLOSERS[ch]);
      if (i === -1) return -1;
    }
  }
  return -1;
}

/** Index of the quote closing the jq string that starts at `from`, including `\( ... )` interpolations. */
function skipString(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') return i;
    if (ch === '\\') {
      if (text[i + 1] === '(') {
        i = skipBalanced(text, i + 2, ')');
        if (i === -1) return -1;
      } else {
        i++;
      }
    }
  }
  return -1;
}

/** Index of the quote closing a single-quoted literal that starts at `from` (`\'` escapes a quote). */
function skipSingleQuoted(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === "'") return i;
  }
  return -1;
}
