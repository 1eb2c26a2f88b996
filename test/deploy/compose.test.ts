// deploy/compose.yaml is a valid Compose file as the Compose Specification's own loader
// (compose-go, what `docker compose config` runs) reads it, and it describes what the deployment
// needs: two Lease replicas on PostgreSQL and Temporal, started only once those are healthy,
// with the database password as a secret, never in an environment.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDeployTool, runTool } from '../support/deploy-tools.js';
import { ROOT, runLease } from '../support/lease-process.js';

const DEPLOY = join(ROOT, 'deploy');

interface Service {
  image: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  entrypoint?: string[];
  secrets?: Array<{ source: string }>;
  ports?: Array<{ host_ip?: string; published: string; target: number }>;
  read_only?: boolean;
  user?: string;
  cap_drop?: string[];
  volumes?: Array<{ source: string; target: string; read_only?: boolean }>;
}

describe('Compose file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lease-compose-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const load = (compose: string, cwd: string) => {
    return runTool(composeSpec!, ['--format', 'json', compose], { cwd, env: { POSTGRES_PASSWORD: 'not-a-real-password' } });
  };
  let composeSpec: string | undefined;

  it('loads with the Compose Specification loader: two Lease replicas, PostgreSQL, Temporal', (t) => {
    composeSpec = requireDeployTool(t, 'compose-spec');
    if (!composeSpec) return;
    const r = load('compose.yaml', DEPLOY);
    assert.equal(r.status, 0, r.stderr);
    const services = (JSON.parse(r.stdout) as { services: Record<string, Service> }).services;
    assert.deepEqual(Object.keys(services).sort(), ['lease-1', 'lease-2', 'postgres', 'temporal']);
    for (const name of ['lease-1', 'lease-2']) {
      const lease = services[name]!;
      assert.deepEqual(lease.depends_on?.postgres?.condition, 'service_healthy', name);
      assert.deepEqual(lease.depends_on?.temporal?.condition, 'service_healthy', name);
      assert.deepEqual(lease.healthcheck?.test, ['CMD', 'node', '/app/deploy/docker/healthcheck.mjs']);
      assert.equal(lease.read_only, true);
      assert.equal(lease.user, '10001:10001');
      assert.deepEqual(lease.cap_drop, ['ALL']);
      assert.equal(lease.ports?.[0]?.host_ip, '127.0.0.1', 'published on loopback only');
      assert.ok(lease.volumes?.some((v) => v.target === '/etc/lease' && v.read_only), 'config mounted read-only');
      assert.deepEqual(lease.secrets?.map((s) => s.source), ['postgres_password']);
    }
    assert.equal(services.temporal!.depends_on?.postgres?.condition, 'service_healthy');
    for (const [name, service] of Object.entries(services)) {
      assert.ok(service.healthcheck, `${name} has a healthcheck`);
      assert.doesNotMatch(JSON.stringify(service.environment ?? {}), /not-a-real-password/, `${name}: the password stays out of the environment`);
    }
    assert.equal(services.postgres!.environment?.POSTGRES_PASSWORD_FILE, '/run/secrets/postgres_password');
  });

  it('is refused by the same loader when it is broken (the check is not vacuous)', async (t) => {
    composeSpec = requireDeployTool(t, 'compose-spec');
    if (!composeSpec) return;
    await cp(join(DEPLOY, 'compose'), join(dir, 'compose'), { recursive: true });
    const text = await readFile(join(DEPLOY, 'compose.yaml'), 'utf8');
    const cases: Array<[string, RegExp]> = [
      [text.replace('condition: service_healthy', 'condition: service_happy'), /depends_on\.postgres\.condition/],
      [text.replace('  stop_grace_period: 20s', '  stop_grace_periods: 20s'), /stop_grace_periods/],
      [text.replace('read_only: true', 'read_only: yes-please'), /read_only/],
    ];
    for (const [broken, message] of cases) {
      assert.notEqual(broken, text);
      await writeFile(join(dir, 'compose.yaml'), broken);
      const r = load('compose.yaml', dir);
      assert.notEqual(r.status, 0, `accepted:\n${broken}`);
      assert.match(r.stderr, message);
    }
  });

  it('gives the servers a configuration that lease config validate accepts', async () => {
    const r = await runLease(['config', 'validate', join(DEPLOY, 'compose', 'lease')], { env: { LEASE_STORE_URL: 'postgres://lease:x@127.0.0.1:5432/lease' } });
    assert.equal(r.code, 0, r.stderr);
    const server = await readFile(join(DEPLOY, 'compose', 'lease', 'server.yaml'), 'utf8');
    assert.match(server, /engine: temporal/, 'replicas need Temporal');
  });
});
