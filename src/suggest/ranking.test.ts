import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { packageRoot } from '../core/package-files.js';
import { evaluate } from './evaluation.js';
import { SuggestionIndex, type RankedRole } from './ranking.js';

const role = (id: string, name: string, description: string, providers: string[], permissions: string[] = [], resources: string[] = []): RankedRole => ({
  id,
  name,
  description,
  providers,
  permissions: { allow: permissions },
  resources: { allow: resources },
  maxDurationMs: 3_600_000,
});

const index = new SuggestionIndex(
  [
    role('db-read', 'Database read-only', 'SELECT on the application database', ['pg-prod']),
    role('k8s-logs', 'Pod logs', 'Read pod logs in the cluster', ['k8s-prod', 'k8s-dev'], ['get'], ['pods/log']),
    role('aws-admin', 'AWS administrator', 'Full access to the account', ['aws-prod'], ['arn:aws:iam::aws:policy/AdministratorAccess']),
    role('assets', 'Assets publisher', 'Upload files', ['aws-prod'], ['s3:PutObject']),
  ],
  [
    { id: 'pg-prod', name: 'Production database', type: 'postgresql' },
    { id: 'k8s-prod', name: 'Production cluster', type: 'kubernetes' },
    { id: 'k8s-dev', name: 'Development cluster', type: 'kubernetes' },
    { id: 'aws-prod', name: 'AWS production', type: 'aws' },
  ],
);
const everything = () => true;

describe('offline ranking', () => {
  it('matches a word through its operations synonyms (postgres = database, k8s = kubernetes)', () => {
    assert.equal(index.rank('query postgres', everything)[0]?.role.id, 'db-read');
    assert.deepEqual(index.rank('debug something on k8s dev', everything).map((s) => [s.role.id, s.provider.id])[0], ['k8s-logs', 'k8s-dev']);
  });

  it('says which words matched what, permissions by name', () => {
    const [best] = index.rank('put a file in s3', everything);
    assert.equal(best?.role.id, 'assets');
    assert.ok(best.why.some((w) => w.startsWith('"s3" matched') && w.includes('permission s3:PutObject')), best.why.join('; '));
  });

  it('reads "root" as wanting full administrative access', () => {
    assert.equal(index.rank('I need root on the aws account', everything)[0]?.role.id, 'aws-admin');
  });

  it('suggests only the pairs the caller may request', () => {
    const ranked = index.rank('pod logs', (r, provider) => provider !== 'k8s-prod');
    assert.deepEqual(ranked.filter((s) => s.role.id === 'k8s-logs').map((s) => s.provider.id), ['k8s-dev']);
  });

  it('answers nothing when no word fits any role', () => {
    assert.deepEqual(index.rank('book a meeting room for friday', everything), []);
    assert.deepEqual(index.rank('', everything), []);
  });

  it('is deterministic: scores within 0..1, ties ordered by role then provider', () => {
    const first = index.rank('logs', everything);
    assert.deepEqual(index.rank('logs', everything), first);
    assert.deepEqual(first.slice(0, 2).map((s) => `${s.role.id}@${s.provider.id}`), ['k8s-logs@k8s-dev', 'k8s-logs@k8s-prod']);
    for (const s of first) assert.ok(s.score > 0 && s.score <= 1);
  });

  it('puts the labelled role first for at least 90 % of the evaluation set (test/fixtures/suggest)', async () => {
    const result = await evaluate(join(packageRoot, 'test', 'fixtures', 'suggest'));
    assert.ok(result.cases >= 80, `${result.cases} cases`);
    const misses = result.misses.map((m) => `${m.case.text} → ${m.got.join(', ')}`).join('\n');
    assert.ok(result.top1 >= 0.9, `top-1 ${result.top1}:\n${misses}`);
    assert.ok(result.top3 >= 0.95, `top-3 ${result.top3}`);
  });
});
