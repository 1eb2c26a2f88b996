// The ssh provider (Lease as an SSH certificate authority) for bench/providers.mjs: a grant
// records the lease in the CA's state file, a revoke also rewrites the KRL (both fsync'ed and
// renamed into place). `extra` measures signing a certificate for an active lease.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sshpk from 'sshpk';
import { sshProviderFactory } from '../../dist/providers/ssh/index.js';

const identity = (i) => ({ id: `bench${i}`, email: `bench${i}@example.com`, groups: ['bench'], provider: 'local', provider_type: 'local' });
const role = { id: 'bench', name: 'Bench', permissions: { allow: ['deploy', 'root'], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: [] };

export async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), 'lease-bench-ssh-'));
  await writeFile(join(dir, 'ca'), sshpk.generatePrivateKey('ed25519').toString('ssh-private'), { mode: 0o600 });
  const userKey = sshpk.generatePrivateKey('ed25519').toPublic().toString('ssh');
  return {
    name: 'ssh',
    factory: sshProviderFactory,
    config: { ca_key: 'ca' },
    configDir: dir,
    identity,
    role,
    /** Certificate signing for one active lease, one at a time: p50/p99 over `n`. */
    async extra(access, input, n) {
      const lease = input(0);
      const record = await access.grant(lease);
      const times = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await access.sshCertificate(record, lease, userKey);
        times.push(performance.now() - t0);
      }
      await access.revoke(record);
      return { 'sign a certificate': times };
    },
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}
