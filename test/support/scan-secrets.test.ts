// The whole-run secret scan (scripts/scan-secrets.mjs) finds what it must and nothing else.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompactEncrypt } from 'jose';
// @ts-expect-error a plain .mjs script without types
import { scanSecrets } from '../../scripts/scan-secrets.mjs';

interface Scan {
  files: number;
  registered: number;
  findings: Array<{ file: string; line: number; what: string; sample: string }>;
}

test('finds session tokens, key material and registered secrets; passes clean logs', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-scan-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const jwe = await new CompactEncrypt(new TextEncoder().encode('{"sub":"alice"}'))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'key_1' })
    .encrypt(new Uint8Array(32));
  await writeFile(join(dir, 'secrets.txt'), 'alice-Secr3t-pw\nshort\n');
  await writeFile(join(dir, '1.log'), '{"level":30,"msg":"lease server ready"}\nrequest req_01abc created\n');
  await writeFile(join(dir, '2.log'), `ok\n{"msg":"login","token":"${jwe}"}\n`);
  await writeFile(join(dir, '3.log'), 'password was alice-Secr3t-pw\n{"kty":"oct","k":"' + 'A'.repeat(43) + '"}\n');
  const scan = scanSecrets(dir) as Scan;
  assert.equal(scan.files, 3);
  assert.equal(scan.registered, 1, 'values shorter than 8 characters are not registered');
  assert.deepEqual(
    scan.findings.map((f) => `${f.file}:${f.line} ${f.what}`).sort(),
    ['2.log:2 session token (JWE)', '3.log:1 a registered test secret', '3.log:2 key material (JWK)'],
  );
  assert.ok(scan.findings.every((f) => !f.sample.includes('Secr3t')), 'findings are masked');
});
