// The offline ranking: which of the roles a person may request fits what they wrote. A BM25-like
// score over the role's fields, each with its weight (the id and name say most, then the
// description, then what it grants, then where), rarer words counting more; deterministic, no
// model, no network. Scores are normalised to 0..1 against what the text could have matched.
import { fieldTerms, queryWords } from './text.js';

/** What the ranking reads of a role: a ResolvedRole satisfies it. */
export interface RankedRole {
  id: string;
  name: string;
  description: string;
  permissions: { allow: readonly string[] };
  resources: { allow: readonly string[] };
  providers: readonly string[];
  maxDurationMs: number;
}

export interface RankedProvider {
  id: string;
  name: string;
  /** The provider type: aws, kubernetes, postgresql... */
  type: string;
  description?: string;
}

export type FieldName = 'id' | 'name' | 'description' | 'permission' | 'resource' | 'provider';

/** How much a match in each field says about the role. */
export const FIELD_WEIGHTS: Record<FieldName, number> = { id: 3, name: 3, description: 2, permission: 1.2, resource: 1.2, provider: 1 };

/** Below this normalised score a role is not suggested at all. */
export const MIN_SCORE = 0.1;

/** BM25's term-frequency saturation, in weighted matches. */
const K1 = 3;

/** What "fully about the text" is worth per word: a match in the name and the description. */
const FULL_MATCH = (FIELD_WEIGHTS.name + FIELD_WEIGHTS.description) / (K1 + FIELD_WEIGHTS.name + FIELD_WEIGHTS.description);

interface Field {
  name: FieldName;
  /** As written: a permission or resource entry, or the provider id, for `why`. */
  label: string;
  terms: Map<string, number>;
}

interface IndexedRole {
  role: RankedRole;
  fields: Field[];
  /** Per term: its weighted frequency over the role's own fields. */
  weighted: Map<string, number>;
  providers: Map<string, Field>;
}

/** A query word's terms that some role knows, with their idf: computed once per ask. */
interface QueryTerms {
  word: string;
  terms: { term: string; weight: number; idf: number }[];
}

export interface RankedSuggestion {
  role: RankedRole;
  provider: RankedProvider;
  /** 0..1. */
  score: number;
  /** Which words matched what. */
  why: string[];
}

function countTerms(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of fieldTerms(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}

function providerField(p: RankedProvider): Field {
  return { name: 'provider', label: p.id, terms: countTerms(`${p.id} ${p.name} ${p.type} ${p.description ?? ''}`) };
}

/** Built once per configuration; ranks for any person (filtered to what they may request). */
export class SuggestionIndex {
  private readonly roles: IndexedRole[];
  private readonly providers: Map<string, RankedProvider>;
  private readonly documentFrequency = new Map<string, number>();

  constructor(roles: Iterable<RankedRole>, providers: Iterable<RankedProvider>) {
    this.providers = new Map([...providers].map((p) => [p.id, p]));
    const providerFields = new Map([...this.providers.values()].map((p) => [p.id, providerField(p)]));
    this.roles = [...roles].map((role) => {
      const fields: Field[] = [
        { name: 'id', label: role.id, terms: countTerms(role.id) },
        { name: 'name', label: role.name, terms: countTerms(role.name) },
        { name: 'description', label: role.description, terms: countTerms(role.description) },
        ...role.permissions.allow.map((p): Field => ({ name: 'permission', label: p, terms: countTerms(p) })),
        ...role.resources.allow.map((r): Field => ({ name: 'resource', label: r, terms: countTerms(r) })),
      ];
      const weighted = new Map<string, number>();
      for (const field of fields) for (const [term, tf] of field.terms) weighted.set(term, (weighted.get(term) ?? 0) + FIELD_WEIGHTS[field.name] * tf);
      const ownProviders = new Map(role.providers.flatMap((id) => (providerFields.has(id) ? [[id, providerFields.get(id)!] as const] : [])));
      return { role, fields, weighted, providers: ownProviders };
    });
    for (const indexed of this.roles) {
      const seen = new Set<string>();
      for (const field of [...indexed.fields, ...indexed.providers.values()]) for (const term of field.terms.keys()) seen.add(term);
      for (const term of seen) this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    }
  }

  private idf(term: string): number {
    const df = this.documentFrequency.get(term) ?? 0;
    if (df === 0) return 0;
    const n = this.roles.length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * The (role, provider) pairs `allowed` lets through that fit `text`, best first (ties by role
   * id, then provider id); pairs scoring under MIN_SCORE are left out.
   */
  rank(text: string, allowed: (role: RankedRole, providerId: string) => boolean, limit = 5): RankedSuggestion[] {
    const query: QueryTerms[] = queryWords(text).map((q) => ({ word: q.word, terms: q.terms.map((t) => ({ ...t, idf: this.idf(t.term) })).filter((t) => t.idf > 0) }));
    // What the text could have matched: each word at its best; a word no role knows ("pizza")
    // counts half of the rarest word, so one known word in a long text does not look like a fit.
    const known = query.map((q) => Math.max(0, ...q.terms.map((t) => t.weight * t.idf)));
    if (known.every((value) => value === 0)) return [];
    const rarest = Math.log(1 + (this.roles.length + 0.5) / 1.5);
    const possible = known.reduce((sum, value) => sum + (value > 0 ? value : rarest / 2) * FULL_MATCH, 0);
    const scored: { indexed: IndexedRole; providerId: string; providerField: Field; score: number }[] = [];
    for (const indexed of this.roles) {
      for (const [providerId, providerField] of indexed.providers) {
        const raw = this.score(query, indexed, providerField);
        // Sorted on the unclamped value: two roles that both match every word still differ.
        const score = raw / possible;
        if (raw > 0 && score >= MIN_SCORE && allowed(indexed.role, providerId)) scored.push({ indexed, providerId, providerField, score });
      }
    }
    scored.sort((a, b) => b.score - a.score || compare(a.indexed.role.id, b.indexed.role.id) || compare(a.providerId, b.providerId));
    return scored.slice(0, limit).map(({ indexed, providerId, providerField, score }) => ({
      role: indexed.role,
      provider: this.providers.get(providerId)!,
      score: Math.round(Math.min(1, score) * 1000) / 1000,
      why: this.why(query, indexed, providerField),
    }));
  }

  /**
   * BM25F: per query word, its best term's frequency over the fields, each weighted, saturating
   * once (a word repeated in the id, name and description counts more than once, not three times).
   */
  private score(query: QueryTerms[], indexed: IndexedRole, providerField: Field): number {
    let raw = 0;
    for (const q of query) {
      let best = 0;
      for (const { term, weight, idf } of q.terms) {
        const weighted = (indexed.weighted.get(term) ?? 0) + FIELD_WEIGHTS.provider * (providerField.terms.get(term) ?? 0);
        if (weighted === 0) continue;
        const contribution = weight * idf * (weighted / (K1 + weighted));
        if (contribution > best) best = contribution;
      }
      raw += best;
    }
    return raw;
  }

  /** For each matched word: where its best term was found. */
  private why(query: QueryTerms[], indexed: IndexedRole, providerField: Field): string[] {
    const fields = [...indexed.fields, providerField];
    const out: string[] = [];
    for (const q of query) {
      let best: { value: number; term: string; related: boolean } | undefined;
      for (const { term, weight, idf } of q.terms) {
        const weighted = (indexed.weighted.get(term) ?? 0) + FIELD_WEIGHTS.provider * (providerField.terms.get(term) ?? 0);
        const value = weight * idf * (weighted / (K1 + weighted));
        if (weighted > 0 && (!best || value > best.value)) best = { value, term, related: weight < 1 };
      }
      if (best) out.push(describe(q.word, best.term, best.related, fields.filter((f) => f.terms.has(best.term))));
    }
    return out;
  }
}

/** `"logs" matched the name, the description and permission logs:GetLogEvents (as "log")`: at most three places. */
function describe(word: string, term: string, related: boolean, fields: Field[]): string {
  const places = fields
    .map((field) =>
      field.name === 'permission' ? `permission ${field.label}`
      : field.name === 'resource' ? `resource ${field.label}`
      : field.name === 'provider' ? `provider ${field.label}`
      : `the ${field.name}`,
    )
    .slice(0, 3);
  const where = places.length > 1 ? `${places.slice(0, -1).join(', ')} and ${places.at(-1)}` : places[0];
  return `"${word}" matched ${where}${related ? ` (as "${term}")` : ''}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
