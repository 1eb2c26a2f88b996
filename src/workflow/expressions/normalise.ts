// Thand's jq dialect, rewritten to jq before compiling. Two quirks are accepted:
//  - single-quoted string literals (`'red'`) become JSON strings (`"red"`);
//  - object values that are whole expressions without parentheses
//    (`{approvals: ($context.approvals // []) + .approvals}`) are wrapped in parentheses, which
//    jq requires for anything but a simple term; wrapping a simple term changes nothing.
// Double-quoted strings (and their `\( )` interpolations) and `#` comments are copied as they
// are, so apostrophes inside them stay apostrophes. Destructuring patterns (`. as {a: $x}`) are
// left alone. Everything else keeps jq's semantics.

interface Context {
  object: boolean;
  /** Inside a destructuring pattern (`as {...}`, `as [...]`, `?// ...`): values are patterns, not expressions. */
  pattern: boolean;
  inValue: boolean;
  valueStart: number;
}

const cache = new Map<string, string>();
const CACHE_LIMIT = 2000;
const AFTER_AS = /(?:^|[^A-Za-z0-9_$])as\s*$|\?\/\/\s*$/;

/** Rewrites Thand's jq quirks to jq; cached. */
export function normaliseExpression(text: string): string {
  let result = cache.get(text);
  if (result === undefined) {
    result = text.includes("'") || text.includes('{') ? rewrite(text) : text;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, result);
  }
  return result;
}

function rewrite(text: string): string {
  let out = '';
  const stack: Context[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const top = stack[stack.length - 1];
    if (ch === '"') {
      const end = endOfString(text, i + 1);
      out += text.slice(i, end + 1);
      i = end;
    } else if (ch === "'") {
      const { literal, end } = singleQuoted(text, i + 1);
      out += literal;
      i = end;
    } else if (ch === '#') {
      const eol = text.indexOf('\n', i);
      const end = eol === -1 ? text.length - 1 : eol;
      out += text.slice(i, end + 1);
      i = end;
    } else if (ch === '{' || ch === '[' || ch === '(') {
      const pattern = ch !== '(' && ((top?.pattern ?? false) || AFTER_AS.test(out));
      stack.push({ object: ch === '{', pattern, inValue: false, valueStart: 0 });
      out += ch;
    } else if (ch === '}' || ch === ']' || ch === ')') {
      const closed = stack.pop();
      if (closed?.object && closed.inValue && !closed.pattern) out = wrapValue(out, closed.valueStart);
      out += ch;
    } else if (ch === ':' && top?.object && !top.pattern && !top.inValue) {
      out += ch;
      top.inValue = true;
      top.valueStart = out.length;
    } else if (ch === ',' && top?.object && !top.pattern && top.inValue) {
      out = wrapValue(out, top.valueStart);
      top.inValue = false;
      out += ch;
    } else {
      out += ch;
    }
  }
  return out;
}

function wrapValue(out: string, start: number): string {
  const value = out.slice(start).trim();
  if (value === '') return out;
  return `${out.slice(0, start)} (${value})`;
}

/** Index of the `"` closing the string whose content starts at `from` (interpolations skipped); the text's end if unterminated. */
function endOfString(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') return i;
    if (ch === '\\') {
      if (text[i + 1] === '(') i = endOfGroup(text, i + 2);
      else i++;
    }
  }
  return text.length - 1;
}

function endOfGroup(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') i = endOfString(text, i + 1);
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return text.length - 1;
}

/** A single-quoted literal as a JSON string: `\'` is a quote, `"` is escaped, other escapes are kept. */
function singleQuoted(text: string, from: number): { literal: string; end: number } {
  let content = '';
  for (let i = from; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "'") return { literal: `"${content}"`, end: i };
    if (ch === '\\' && text[i + 1] === "'") {
      content += "'";
      i++;
    } else if (ch === '\\' && i + 1 < text.length) {
      content += ch + (text[i + 1] as string);
      i++;
    } else if (ch === '"') {
      content += '\\"';
    } else {
      content += ch;
    }
  }
  // Unterminated: leave it to jq to report.
  return { literal: `'${content}`, end: text.length - 1 };
}
