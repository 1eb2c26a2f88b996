import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonText, terminalSafe } from './output.js';

/** The characters of `text` a terminal would act on. */
function actingOnTerminal(text: string): string[] {
  return [...text].filter((ch) => {
    const code = ch.codePointAt(0) as number;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) || /[\p{Bidi_Control}\u2028\u2029]/u.test(ch);
  });
}

describe('terminalSafe', () => {
  it('shows C0 controls as escapes: ESC sequences, CR, LF, BEL, NUL, TAB', () => {
    assert.equal(terminalSafe('a\x1b[2J\x1b]0;owned\x07b'), 'a\\x1b[2J\\x1b]0;owned\\x07b');
    assert.equal(terminalSafe('ok\rapproved\nnext\ttab\0'), 'ok\\rapproved\\nnext\\ttab\\x00');
  });

  it('shows DEL and the C1 controls (CSI, OSC) as escapes', () => {
    assert.equal(terminalSafe('x\x7fy\u009b31mz\u009d'), 'x\\x7fy\\x9b31mz\\x9d');
  });

  it('shows the bidirectional controls and the line separators as escapes', () => {
    assert.equal(terminalSafe('invoice\u202Etxt.exe'), 'invoice\\u202etxt.exe');
    assert.equal(terminalSafe('\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d'), '\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c\\u202a\\u202b\\u202c\\u202d');
    assert.equal(terminalSafe('a\u2028b\u2029c'), 'a\\u2028b\\u2029c');
  });

  it('leaves printable text alone: accents, CJK, emoji, right-to-left letters, backslashes', () => {
    for (const text of ['INC-4211 logs', 'café – naïve', '日本語', '🔑 access', 'שלום עולם', 'C:\\logs\\x1b']) assert.equal(terminalSafe(text), text);
  });

  it('is idempotent: escaping escaped text changes nothing', () => {
    const once = terminalSafe('\x1b[31m\u202e\r\n');
    assert.deepEqual(actingOnTerminal(once), []);
    assert.equal(terminalSafe(once), once);
  });
});

describe('jsonText', () => {
  it('escapes DEL, C1 and bidi controls too, and parses back to exactly the same value', () => {
    const value = { reason: 'a\x1b[2J\u009b\x7f\u202Eb\u2028', role: 'debug', n: 1, nested: ['\u2066x'] };
    const text = jsonText(value);
    assert.deepEqual(actingOnTerminal(text.replaceAll('\n', '')), []);
    assert.deepEqual(JSON.parse(text), value);
    assert.equal(text, JSON.stringify(value, null, 2).replace('\u009b', '\\u009b').replace('\x7f', '\\u007f').replace('\u202E', '\\u202e').replace('\u2028', '\\u2028').replace('\u2066', '\\u2066'));
  });
});
