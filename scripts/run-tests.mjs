// Runs the test suite with node's test runner: unit tests beside the code (src/**/*.test.ts)
// and whole-system tests (test/e2e/**/*.test.ts). Arguments narrow it to folders or files.
// The e2e tests spawn the built `lease` binary, so dist/ is rebuilt first when they run.
// Every Node process of the run copies its output to .cache/test-logs/ (scripts/tee-output.mjs);
// afterwards scripts/scan-secrets.mjs checks all of it for secrets, and any finding fails the run.
// Files start slowest first (longest-processing-time order, so no long file starts last and runs
// alone): by their times in the previous run (.cache/test-durations.json), else whole-system
// tests before unit tests. The run ends with the slowest files of this run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { reportSecretScan } from './scan-secrets.mjs';

const root = new URL('..', import.meta.url).pathname;
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['src', 'test'];

function collect(path, out) {
  const st = statSync(path);
  if (st.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const name of readdirSync(path).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    collect(join(path, name), out);
  }
  return out;
}

const durationsFile = join(root, '.cache', 'test-durations.json');
/** Test file → milliseconds it took last time; only an order, so an unreadable file is ignored. */
const known = (() => {
  try {
    return JSON.parse(readFileSync(durationsFile, 'utf8'));
  } catch {
    return {};
  }
})();
// A file never timed is guessed by kind: a whole-system test takes seconds to minutes, a unit test less.
const expectedMs = (file) => known[file] ?? (file.startsWith('test/') ? 60_000 : 1_000);
const files = targets
  .flatMap((t) => collect(join(root, t), []))
  .map((f) => relative(root, f))
  .sort((a, b) => expectedMs(b) - expectedMs(a));
if (files.length === 0) {
  console.error('no test files found under', targets.join(', '));
  process.exit(1);
}

// Built once, here, before any test runs: no test may rebuild dist/ while others import from it
// (tests spawn bin/lease.js directly, never through npx or an npm command that runs `prepare`).
if (files.some((f) => f.startsWith('test/'))) {
  // The same steps as `npm run build`: compile, bundle the Temporal workflow code from dist/, then the `lease` command.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const args of [[tsc, '-p', 'tsconfig.build.json'], ['scripts/bundle-workflows.mjs'], ['scripts/bundle-cli.mjs']]) {
    const build = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
}

const logDir = join(root, '.cache', 'test-logs');
rmSync(logDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true, mode: 0o700 });
const tee = join(root, 'scripts', 'tee-output.mjs');
const durationsOut = join(logDir, 'test-durations.jsonl');
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts', 'test-durations.mjs')}`, `--test-reporter-destination=${durationsOut}`,
    ...files,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      LEASE_LOG_LEVEL: process.env.LEASE_LOG_LEVEL ?? 'warn',
      LEASE_TEST_LOG_DIR: logDir,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${tee}`.trim(),
    },
  },
);
if (existsSync(durationsOut)) {
  const measured = readFileSync(durationsOut, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  for (const { file, ms } of measured) known[relative(root, file)] = ms;
  writeFileSync(durationsFile, `${JSON.stringify(known, null, 2)}\n`);
  const slowest = measured.sort((a, b) => b.ms - a.ms).slice(0, 10);
  console.log(`\nslowest test files:\n${slowest.map(({ file, ms }) => `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(root, file)}`).join('\n')}`);
}
const findings = reportSecretScan(logDir);
process.exit(findings > 0 ? 1 : (result.status ?? 1));
