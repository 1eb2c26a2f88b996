// Scans a test run's captured output (scripts/tee-output.mjs) for secrets: session tokens (JWE /
// JWS compact forms), private keys (PEM, private JWK members, symmetric JWK `k`), and every value
// a test registered as secret (test/support/secrets.ts appends them to secrets.txt). Prints each
// finding with its file and line, the secret masked, and exits 1 when there is any.
//   node scripts/scan-secrets.mjs <log dir>
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SECRETS_FILE = 'secrets.txt';
const PATTERNS = [
  ['session token (JWE)', /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
  ['signed token (JWS)', /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/],
  ['private key (PEM)', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['key material (JWK)', /"(?:k|d|p|q|dp|dq|qi)"\s*:\s*"[A-Za-z0-9_-]{40,}"/],
];

export function scanSecrets(dir) {
  const files = readdirSync(dir).filter((f) => f !== SECRETS_FILE);
  let registered = [];
  try {
    registered = [...new Set(readFileSync(join(dir, SECRETS_FILE), 'utf8').split('\n').filter((s) => s.length >= 8))];
  } catch {
    // no test registered a secret
  }
  const findings = [];
  for (const file of files) {
    const lines = readFileSync(join(dir, file), 'latin1').split('\n');
    lines.forEach((line, i) => {
      for (const [what, pattern] of PATTERNS) {
        const match = pattern.exec(line);
        if (match) findings.push({ file, line: i + 1, what, sample: mask(match[0]) });
      }
      for (const secret of registered) {
        if (line.includes(secret)) findings.push({ file, line: i + 1, what: 'a registered test secret', sample: mask(secret) });
      }
    });
  }
  return { files: files.length, registered: registered.length, findings };
}

function mask(value) {
  return `${value.slice(0, 4)}…(${value.length} chars)`;
}

/** Scans `dir` and prints every finding and a summary line; returns how many findings there are. */
export function reportSecretScan(dir) {
  const { files, registered, findings } = scanSecrets(dir);
  for (const f of findings) console.error(`secret scan: ${f.what} in ${join(dir, f.file)}:${f.line}: ${f.sample}`);
  console.log(`secret scan of the whole run: ${files} process logs, ${registered} registered secrets, ${findings.length} findings`);
  return findings.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(reportSecretScan(process.argv[2]) > 0 ? 1 : 0);
}
