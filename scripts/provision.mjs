// Provisions what the tests need, once, idempotently. Runs before `npm test`.
// - sudo + visudo (Debian package `sudo`), for the real-sudo tests; installed when running as root.
// In CI (CI=true) a component that cannot be provisioned is an error, never a silent skip.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const ci = process.env.CI === 'true';
mkdirSync(`${root}.cache`, { recursive: true });

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function aptInstall(packages) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !has('apt-get')) return false;
  const lists = existsSync('/var/lib/apt/lists') && spawnSync('sh', ['-c', 'ls /var/lib/apt/lists | grep -q Packages']).status === 0;
  if (!lists) spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  const res = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return res.status === 0;
}

const problems = [];

if (!has('sudo') || !has('visudo')) {
  console.log('provision: installing sudo (Debian package) for the real-sudo tests');
  if (!aptInstall(['sudo'])) problems.push('sudo: install the Debian package `sudo` (apt-get install sudo) as root');
}

if (problems.length) {
  for (const p of problems) console.error(`provision: missing ${p}`);
  if (ci) process.exit(1);
  console.error('provision: continuing; tests needing these components will skip loudly (they fail under CI=true)');
}
