// A complete, small deployment for whole-system tests: local users, a sudo provider writing
// into a temp directory, roles that exercise every policy rule, and a Thand-style workflow.
import { join } from 'node:path';
import { hashPassword } from '../../src/identity/index.js';
import { runLease, tempDir, writeFiles } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

export const PASSWORDS = { alice: 'alice-Secr3t-pw', bob: 'bob-Secr3t-pw', carol: 'carol-Secr3t-pw' } as const;
registerTestSecret(...Object.values(PASSWORDS));

export interface Deployment {
  root: string;
  config: string;
  data: string;
  sudoers: string;
  /** $LEASE_HOME per user, so each user's CLI has its own session store. */
  home: (user: string) => string;
  cleanup: () => Promise<void>;
}

export async function createDeployment(options: { sudoersDir?: string; visudo?: string | false; accounts?: Record<string, string> } = {}): Promise<Deployment> {
  const dir = await tempDir();
  const sudoers = options.sudoersDir ?? join(dir.path, 'sudoers.d');
  const hashes = Object.fromEntries(await Promise.all(Object.entries(PASSWORDS).map(async ([u, p]) => [u, await hashPassword(p)])));
  const visudo = options.visudo === undefined ? '' : `\n      visudo: ${options.visudo === false ? 'false' : JSON.stringify(options.visudo)}`;
  const accounts = options.accounts ? `\n      accounts: ${JSON.stringify(options.accounts)}` : '';
  await writeFiles(dir.path, {
    'config/server.yaml': `version: "1.0"
server:
  admins:
    groups: [ops]
`,
    'config/providers.yaml': `version: "1.0"
providers:
  local:
    name: Local users
    provider: local
    config:
      users:
        alice: { password_hash: '${hashes.alice}', email: alice@example.com, name: Alice, groups: [eng] }
        bob: { password_hash: '${hashes.bob}', email: bob@example.com, name: Bob, groups: [ops] }
        carol: { password_hash: '${hashes.carol}', email: carol@example.com, name: Carol, groups: [sales] }
  box:
    name: This host
    provider: sudo
    config:
      sudoers_dir: ${JSON.stringify(sudoers)}${visudo}${accounts}
  parked:
    name: A disabled host
    provider: sudo
    enabled: false
    config:
      sudoers_dir: ${JSON.stringify(join(dir.path, 'parked.d'))}
`,
    'config/roles.yaml': `version: "1.0"
roles:
  debug:
    name: Debug
    description: Read service logs
    permissions:
      allow: [/usr/bin/journalctl, /usr/bin/id]
    scopes:
      groups: [eng]
    providers: [box]
    max_duration: 1h
  ops-admin:
    name: Ops admin
    description: Everything, after the auto workflow
    workflow: auto
    permissions:
      allow: [ALL]
    scopes:
      groups: [ops]
    providers: [box]
    max_duration: 30m
  retired:
    name: Retired
    description: No longer requestable
    enabled: false
    scopes:
      groups: [eng]
    providers: [box]
  parked-role:
    name: Parked
    description: Only on the disabled provider
    permissions:
      allow: [/usr/bin/id]
    scopes:
      groups: [eng]
    providers: [parked]
`,
    'config/workflows.yaml': `version: "1.0"
workflows:
  auto:
    name: Automatic approval
    description: Validate, then grant; revocation at expiry is implicit
    enabled: true
    workflow:
      document:
        dsl: "1.0.0-alpha5"
        namespace: lease
        name: auto
        version: "1.0.0"
      do:
        - validate:
            thand: validate
            then: note
        - note:
            set:
              reason: \${ .reason }
        - authorize:
            call: thand.authorize
`,
  });
  return {
    root: dir.path,
    config: join(dir.path, 'config'),
    data: join(dir.path, 'data'),
    sudoers,
    home: (user) => join(dir.path, 'home', user),
    cleanup: dir.cleanup,
  };
}

/** Logs `user` in through the CLI with their own $LEASE_HOME; throws with the CLI's output on failure. */
export async function loginAs(deployment: Deployment, serverUrl: string, user: keyof typeof PASSWORDS): Promise<void> {
  const r = await runLease(['login', '--server', serverUrl, '--provider', 'local', '--username', user, '--password-stdin'], {
    env: { LEASE_HOME: deployment.home(user) },
    input: `${PASSWORDS[user]}\n`,
  });
  if (r.code !== 0) throw new Error(`login as ${user} failed (${r.code}): ${r.stderr}`);
}

/** A session token for `user`, from a password login over HTTP (the CLI's own is sealed in its vault). */
export async function apiLogin(serverUrl: string, user: keyof typeof PASSWORDS): Promise<string> {
  const r = await fetch(`${serverUrl}/api/v1/auth/local/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password: PASSWORDS[user] }),
  });
  if (r.status !== 200) throw new Error(`login over HTTP as ${user} answered ${r.status}: ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/** server.yaml for replicas: the Temporal engine on one dev server, on PostgreSQL (via LEASE_STORE_URL) or the shared SQLite file. */
export function replicaServerYaml(args: { temporal: { address: string; namespace: string }; taskQueue: string; postgres: boolean }): string {
  return `version: "1.0"
server:
  admins:
    groups: [ops]${args.postgres ? `
  store:
    type: postgres` : ''}
  engine: temporal
services:
  temporal:
    address: ${args.temporal.address}
    namespace: ${args.temporal.namespace}
    task_queue: ${args.taskQueue}
`;
}
