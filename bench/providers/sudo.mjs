// The sudo provider for bench/providers.mjs: rules written into a temp sudoers directory, with
// visudo disabled (the bench measures Lease's work, not visudo's parse of each rule).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sudoProviderFactory } from '../../dist/providers/sudo/index.js';

export async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), 'lease-bench-sudo-'));
  return {
    name: 'sudo',
    factory: sudoProviderFactory,
    config: { sudoers_dir: join(dir, 'sudoers.d'), visudo: false },
    configDir: dir,
    identity: (i) => ({ id: `bench${i}`, email: `bench${i}@example.com`, groups: ['bench'], provider: 'local', provider_type: 'local' }),
    role: { id: 'bench', name: 'Bench', permissions: { allow: ['/usr/bin/id'], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: [] },
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}
