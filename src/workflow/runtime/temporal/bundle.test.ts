// The Temporal sandbox instantiates every module of the workflow bundle once per cached workflow
// (reuseV8Context keeps one module cache per workflow), so what the bundle pulls in is memory
// per waiting lease. ajv (schema checks) and zod once made it ~2.5 MiB per cached workflow;
// they run outside the sandbox now (recorded local activities) and must stay out.
// Workers start from the bundle the build wrote only while it matches the code it came from.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { leaseWorkflowBundle, prebuiltWorkflowBundle, writeLeaseWorkflowBundle, type BundleManifest } from './bundle.js';
import { codeRoot } from './paths.js';

test('the workflow bundle leaves out the JSON Schema validator, zod and jq', async () => {
  const { code } = await leaseWorkflowBundle();
  for (const heavy of ['node_modules/ajv/', 'node_modules/zod/', 'node_modules/@serverlessworkflow/', 'node_modules/yaml/']) {
    assert.ok(!code.includes(heavy), `${heavy} is in the workflow bundle: import the interpreter's dependencies module by module, not through barrels`);
  }
  assert.ok(!/jq-web\/jq\.wasm/.test(code), 'jq-web is in the workflow bundle');
});

/** A written bundle, and a copy of the modules it lists under a root of its own (to change them). */
async function writtenBundle(t: TestContext): Promise<{ file: string; root: string; manifest: BundleManifest }> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-bundle-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'workflow-bundle.js');
  await writeLeaseWorkflowBundle(file);
  const manifest = JSON.parse(await readFile(join(dir, 'workflow-bundle.json'), 'utf8')) as BundleManifest;
  const root = join(dir, 'root');
  for (const name of Object.keys(manifest.files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await copyFile(join(codeRoot, name), join(root, name));
  }
  return { file, root, manifest };
}

test('a written bundle lists the modules it was built from and is usable while they are unchanged', async (t) => {
  const { file, root, manifest } = await writtenBundle(t);
  assert.equal(await readFile(file, 'utf8'), (await leaseWorkflowBundle()).code);
  assert.ok(Object.keys(manifest.files).some((name) => /^workflow\/runtime\/temporal\/workflows\.[jt]s$/.test(name)), 'the manifest lists workflows');
  assert.ok(Object.keys(manifest.files).every((name) => !name.includes('node_modules')), 'dependencies are covered by the SDK version, not listed');
  assert.deepEqual(await prebuiltWorkflowBundle(file), { usable: true, codePath: file });
  assert.deepEqual(await prebuiltWorkflowBundle(file, root), { usable: true, codePath: file });
});

test('a bundle whose modules changed since it was built is not used', async (t) => {
  const { file, root, manifest } = await writtenBundle(t);
  const changed = Object.keys(manifest.files).find((name) => name.startsWith('workflow/interpreter/'))!;
  await writeFile(join(root, changed), `${await readFile(join(root, changed), 'utf8')}\n// changed\n`);
  const found = await prebuiltWorkflowBundle(file, root);
  assert.equal(found.usable, false);
  assert.match(found.usable ? '' : found.reason, new RegExp(`${changed.replace(/[.]/g, '\\.')} changed since the workflow bundle was built`));
});

test('a bundle built with another SDK version, or without a manifest, is not used', async (t) => {
  const { file, root, manifest } = await writtenBundle(t);
  const manifestFile = join(dirname(file), 'workflow-bundle.json');
  await writeFile(manifestFile, JSON.stringify({ ...manifest, sdk: '0.0.1' }));
  const otherSdk = await prebuiltWorkflowBundle(file, root);
  assert.match(otherSdk.usable ? '' : otherSdk.reason, /built with @temporalio\/workflow 0\.0\.1/);
  await rm(manifestFile);
  const missing = await prebuiltWorkflowBundle(file, root);
  assert.match(missing.usable ? '' : missing.reason, /no prebuilt workflow bundle/);
  assert.match(((await prebuiltWorkflowBundle(join(root, 'nowhere.js'))) as { reason: string }).reason, /no prebuilt workflow bundle/);
});
