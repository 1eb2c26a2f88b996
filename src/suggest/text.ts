// Words of a text or of a role, reduced so that different spellings of one word meet: split on
// anything but letters and digits (and at camelCase humps, so `s3:GetObject` gives s3, get,
// object), lower-cased, stemmed, and mapped to the first spelling of their EQUIVALENTS group.
import { EQUIVALENTS, RELATED, RELATED_WEIGHT, STOP_WORDS } from './synonyms.js';

/** Phrases whose words mean something else apart ("log in" is not about logs). */
const PHRASES: readonly [RegExp, string][] = [
  [/\b(?:log|logged|logging|sign|signed)\s+(?:in|into|on|onto)\b/gi, ' login '],
  [/\bbreak[\s-]+glass\b/gi, ' breakglass '],
  [/\bread[\s-]+only\b/gi, ' readonly '],
  [/\bread[\s/-]+write\b/gi, ' readwrite '],
  [/\bon[\s-]+call\b/gi, ' oncall '],
  [/\bcustomer[\s-]+data\b/gi, ' customer data '],
];

/** A light suffix stripper: both sides go through it, so it must be consistent, not linguistically right. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (/(?:ch|sh|x)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('ments') || (w.endsWith('ment') && w.length > 7)) return w.slice(0, w.lastIndexOf('ment'));
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      // debugging → debugg → debug; stopped → stopp → stop
      if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(?:ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  return w;
}

const CANONICAL = new Map<string, string>();
for (const group of EQUIVALENTS) for (const word of group) if (!CANONICAL.has(stem(word))) CANONICAL.set(stem(word), stem(group[0]!));

/** A word in its compared form: stemmed, then the first spelling of its equivalents. */
export function normalise(word: string): string {
  const stemmed = stem(word.toLowerCase());
  return CANONICAL.get(stemmed) ?? stemmed;
}

/** The words of a text as written (lower case), phrases joined, camelCase split. */
export function words(text: string): string[] {
  let t = text;
  for (const [pattern, joined] of PHRASES) t = t.replace(pattern, joined);
  t = t.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return t
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2 || /\d/.test(w));
}

/** The compared terms of a role's field (nothing dropped: `ALL` in a sudo rule counts). */
export function fieldTerms(text: string): string[] {
  return words(text).map(normalise);
}

/** One word of a person's text and the terms it may match, with how much each counts. */
export interface QueryWord {
  /** As the person wrote it. */
  word: string;
  terms: { term: string; weight: number }[];
}

const RELATED_TERMS = new Map<string, string[]>();
for (const [head, ...others] of RELATED) {
  const key = normalise(head!);
  RELATED_TERMS.set(key, [...(RELATED_TERMS.get(key) ?? []), ...others.map(normalise)]);
}

/** The words of a person's text that can point at a role: stop words dropped, each expanded to its related terms. */
export function queryWords(text: string): QueryWord[] {
  const seen = new Set<string>();
  const out: QueryWord[] = [];
  for (const word of words(text)) {
    if (STOP_WORDS.has(word) || /^\d+$/.test(word)) continue;
    const term = normalise(word);
    if (seen.has(term)) continue;
    seen.add(term);
    const terms = [{ term, weight: 1 }];
    for (const related of RELATED_TERMS.get(term) ?? []) {
      if (related !== term && !terms.some((t) => t.term === related)) terms.push({ term: related, weight: RELATED_WEIGHT });
    }
    out.push({ word, terms });
  }
  return out;
}
