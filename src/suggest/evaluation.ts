// The labelled evaluation of the offline ranking: configurations and cases in a directory
// (test/fixtures/suggest/), each case a text and the role (and maybe provider) a person would
// pick. Used by the unit test (a floor on top-1 accuracy) and the benchmark (the figures).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { SuggestionIndex } from './ranking.js';

const casesSchema = z.object({
  cases: z.array(z.strictObject({ config: z.string().min(1), text: z.string().min(1), role: z.string().min(1), provider: z.string().min(1).optional() })),
});

export type EvaluationCase = z.infer<typeof casesSchema>['cases'][number];

export interface EvaluationResult {
  cases: number;
  top1: number;
  top3: number;
  /** Cases whose label was not the first suggestion, with what came first. */
  misses: { case: EvaluationCase; got: string[] }[];
}

/** The index of a configuration's enabled roles and providers. */
export function indexOf(config: LoadedConfig): SuggestionIndex {
  return new SuggestionIndex(
    [...config.roles.values()].filter((r) => r.enabled),
    [...config.providers.values()].filter((p) => p.enabled).map((p) => ({ id: p.id, name: p.name, type: p.provider, ...(p.description ? { description: p.description } : {}) })),
  );
}

export async function loadEvaluation(dir: string): Promise<{ cases: EvaluationCase[]; indexes: Map<string, SuggestionIndex> }> {
  const { cases } = casesSchema.parse(parse(await readFile(join(dir, 'cases.yaml'), 'utf8')));
  const indexes = new Map<string, SuggestionIndex>();
  for (const name of new Set(cases.map((c) => c.config))) indexes.set(name, indexOf(await loadConfig(join(dir, `${name}.yaml`), { env: {} })));
  return { cases, indexes };
}

export async function evaluate(dir: string): Promise<EvaluationResult> {
  const { cases, indexes } = await loadEvaluation(dir);
  let top1 = 0;
  let top3 = 0;
  const misses: EvaluationResult['misses'] = [];
  for (const c of cases) {
    const ranked = indexes.get(c.config)!.rank(c.text, () => true, 3);
    const fits = (i: number) => ranked[i] !== undefined && ranked[i]!.role.id === c.role && (c.provider === undefined || ranked[i]!.provider.id === c.provider);
    if (fits(0)) top1++;
    else misses.push({ case: c, got: ranked.map((r) => `${r.role.id}@${r.provider.id} ${r.score}`) });
    if ([0, 1, 2].some(fits)) top3++;
  }
  return { cases: cases.length, top1: top1 / cases.length, top3: top3 / cases.length, misses };
}
