// Suggestion figures, from the built code (npm run build first):
//   node bench/suggest.mjs [--roles=500] [--asks=2000]
// - latency of one suggestion (ranking + durations + the requestable filter as a plain
//   predicate) over a generated configuration of N roles, p50/p99, and the index build once;
// - the labelled evaluation set (test/fixtures/suggest/): top-1 and top-3 accuracy of the
//   offline ranking.
import { join } from 'node:path';
import { SuggestionIndex, suggestRequests } from '../dist/suggest/index.js';
import { evaluate } from '../dist/suggest/evaluation.js';

const ROOT = new URL('..', import.meta.url).pathname;
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROLES = arg('roles', 500);
const ASKS = arg('asks', 2000);

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const systems = [
  ['aws', 'aws', ['s3:GetObject', 'ec2:RebootInstances', 'logs:GetLogEvents', 'iam:PassRole']],
  ['gcp', 'gcp', ['roles/bigquery.dataViewer', 'roles/logging.viewer', 'roles/storage.objectAdmin']],
  ['azure', 'azure', ['Reader', 'Contributor', 'Key Vault Secrets User']],
  ['k8s', 'kubernetes', ['get', 'list', 'update', 'patch']],
  ['pg', 'postgresql', ['SELECT', 'INSERT', 'UPDATE']],
  ['hosts', 'ssh', ['root', 'self']],
  ['github', 'github', ['push', 'maintain', 'admin']],
];
const environments = ['prod', 'staging', 'dev', 'eu', 'us'];
const actions = [
  ['read', 'Read-only', 'View resources and logs without changing anything'],
  ['write', 'Writer', 'Change configuration and data'],
  ['admin', 'Administrator', 'Full administrative access for incidents'],
  ['deploy', 'Deployer', 'Roll out and roll back releases'],
  ['logs', 'Log reader', 'Read application logs and metrics to debug'],
  ['secrets', 'Secrets reader', 'Read secrets and keys'],
  ['billing', 'Billing viewer', 'See costs and invoices'],
  ['backup', 'Backup operator', 'Take and restore backups'],
];

const providers = [];
for (const [system, type] of systems) for (const env of environments) providers.push({ id: `${system}-${env}`, name: `${system} ${env}`, type });
const roles = [];
for (let i = 0; roles.length < ROLES; i++) {
  const [system, , permissions] = systems[i % systems.length];
  const [action, name, description] = actions[Math.floor(i / systems.length) % actions.length];
  const team = `team${Math.floor(i / (systems.length * actions.length))}`;
  roles.push({
    id: `${system}-${action}-${team}`,
    name: `${system} ${name} (${team})`,
    description: `${description} on ${system} for ${team}`,
    permissions: { allow: permissions.slice(0, 1 + (i % permissions.length)) },
    resources: { allow: [`${team}/*`] },
    providers: environments.slice(0, 1 + (i % 3)).map((env) => `${system}-${env}`),
    maxDurationMs: 3_600_000 * (1 + (i % 8)),
  });
}

const texts = [
  'I need to debug the customer data issue in prod for 2 hours',
  'read the application logs on staging',
  'deploy the hotfix to the production k8s cluster',
  'postgres select for a support ticket until 17:00',
  'admin on aws prod for the outage',
  'rotate the github deploy secret',
  'restore the database backup on dev',
  'look at the azure invoices',
];

let start = performance.now();
const index = new SuggestionIndex(roles, providers);
const buildMs = performance.now() - start;
const allowed = () => true;
for (let i = 0; i < 200; i++) suggestRequests(index, texts[i % texts.length], { allowed, now: Date.now() });
const times = [];
for (let i = 0; i < ASKS; i++) {
  start = performance.now();
  suggestRequests(index, texts[i % texts.length], { allowed, now: Date.now(), timeZone: 'UTC' });
  times.push(performance.now() - start);
}
console.log(`suggestion latency, ${roles.length} roles (${providers.length} providers), ${ASKS} asks: p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms (index built once in ${buildMs.toFixed(1)} ms)`);

const result = await evaluate(join(ROOT, 'test', 'fixtures', 'suggest'));
console.log(`evaluation set (test/fixtures/suggest, ${result.cases} labelled requests over 3 configs): top-1 ${(result.top1 * 100).toFixed(1)} %, top-3 ${(result.top3 * 100).toFixed(1)} %`);
for (const miss of result.misses) console.log(`  miss: "${miss.case.text}" → wanted ${miss.case.role}${miss.case.provider ? `@${miss.case.provider}` : ''}, got ${miss.got[0] ?? 'nothing'}`);
