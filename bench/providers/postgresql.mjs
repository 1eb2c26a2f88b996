// The postgresql provider for bench/providers.mjs, against a real PostgreSQL 15 started by
// test/support/postgres.ts (loaded through tsx: test helpers are not built into dist/), with a
// non-superuser CREATEROLE admin as the docs recommend. Each lease is its own login role, member
// of a group role; the reconciliation round lists 1,000 `lease_` roles.
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { postgresqlProviderFactory } from '../../dist/providers/postgresql/index.js';

export async function setUp() {
  const { startPostgres } = await tsImport('../../test/support/postgres.ts', import.meta.url);
  const server = await startPostgres();
  const password = `bench-${crypto.randomUUID()}`;
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  await client.query(`CREATE ROLE lease_bench_admin LOGIN CREATEROLE PASSWORD ${client.escapeLiteral(password)}`);
  await client.query('CREATE ROLE bench_readers NOLOGIN');
  await client.end();
  return {
    name: 'postgresql',
    factory: postgresqlProviderFactory,
    config: { url: `postgresql://lease_bench_admin@127.0.0.1:${server.port}/postgres`, password },
    configDir: process.cwd(),
    identity: (i) => ({ id: `bench${i}`, email: `bench${i}@example.com`, groups: ['bench'], provider: 'local', provider_type: 'local' }),
    role: { id: 'bench', name: 'Bench', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['postgresql:bench_readers'] },
    stop: () => server.stop(),
  };
}
