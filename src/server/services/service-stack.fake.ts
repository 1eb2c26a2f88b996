// For in-process service tests: the real store, embedded runtime, built-in calls and request
// service over a small configuration, with the access providers the test hands in (fakes that
// can be held or refuse), and the HTTP app over the given routes with bearer tokens mapped to
// fixed identities (the session machinery has its own tests).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Unauthenticated, systemClock, type Identity, type Logger, type RequestStatus } from '../../core/index.js';
import type { AccessProvider, ProviderInstance } from '../../providers/index.js';
import { openSqliteStore, type Store } from '../../store/index.js';
import { createBuiltinCalls } from '../../workflow/calls/index.js';
import { createJqEngine } from '../../workflow/expressions/index.js';
import { EmbeddedRuntime } from '../../workflow/runtime/index.js';
import type { RouteSpec } from '../api/route.js';
import { createHttpApp } from '../http.js';
import { loadServerConfig } from '../server.js';
import type { WebSessions } from '../web/web-sessions.js';
import { createAccessControl } from './access-control.js';
import { createAccessDirectory } from './access-directory.js';
import { RequestService } from './requests.js';

const person = (id: string, groups: string[]): Identity => ({ id, email: `${id}@example.com`, groups, provider: 'local', provider_type: 'local' });

/** alice and mallory are engineers (may request `debug`), bob is an administrator, carol may request nothing. */
export const PEOPLE = { alice: person('alice', ['eng']), mallory: person('mallory', ['eng']), bob: person('bob', ['ops']), carol: person('carol', ['sales']) };

export async function openServiceStack(t: TestContext, access: { cloud: AccessProvider; plain: AccessProvider }) {
  const dir = await mkdtemp(join(tmpdir(), 'lease-services-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sudo = (name: string) => `    name: ${name}\n    provider: sudo\n    config: { sudoers_dir: ${JSON.stringify(join(dir, name))}, visudo: false }\n`;
  await writeFile(
    join(dir, 'lease.yaml'),
    `version: "1.0"
server:
  admins: { groups: [ops] }
providers:
  local:
    name: Local users
    provider: local
    config: { users: {} }
  cloud:
${sudo('cloud')}  plain:
${sudo('plain')}roles:
  debug:
    name: Debug
    description: Read logs
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [cloud, plain]
    max_duration: 1h
`,
  );
  const expressions = await createJqEngine();
  const config = await loadServerConfig(join(dir, 'lease.yaml'), expressions);
  const store = await openSqliteStore({ file: join(dir, 'lease.db'), clock: systemClock });
  const instance = (id: string, a: AccessProvider): ProviderInstance => ({ id, type: 'fake', name: id, enabled: true, capabilities: ['access'], access: a });
  const providers = new Map<string, ProviderInstance>([['cloud', instance('cloud', access.cloud)], ['plain', instance('plain', access.plain)]]);
  const clock = systemClock;
  const logs: string[] = [];
  const logger: Logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString()), done()) }));
  const control = createAccessControl(config.admins);
  const requests = new RequestService({ store, config, providers, clock, logger, access: control });
  const activities = createBuiltinCalls({ store, clock, logger, directory: createAccessDirectory(config, providers, { store, access: control, signal: (id, event) => requests.signal(id, event) }) });
  const runtime = new EmbeddedRuntime({ store, clock, expressions, activities, logger, observer: requests });
  requests.attach(runtime);
  t.after(async () => {
    await runtime.stop();
    await store.close();
  });

  /** The HTTP app over `routes`; `Bearer <name>` authenticates as PEOPLE[name]. */
  const http = (routes: RouteSpec<never, never>[]) => {
    const web = {
      authenticate: async (c: { req: { header(name: string): string | undefined } }) => {
        const name = /^Bearer (\w+)$/.exec(c.req.header('authorization') ?? '')?.[1] as keyof typeof PEOPLE | undefined;
        const identity = name ? PEOPLE[name] : undefined;
        if (!identity) throw new Unauthenticated();
        return identity;
      },
    } as unknown as WebSessions;
    const app = createHttpApp({ routes, web, logger, version: 'test', readiness: () => Promise.resolve({ ready: true }) });
    return (as: keyof typeof PEOPLE, method: 'GET' | 'POST', path: string) =>
      app.request(path, { method, headers: { authorization: `Bearer ${as}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body: '{}' } : {}) });
  };
  const request = async (as: Identity, provider: string) => (await requests.create(as, { role: 'debug', provider, duration: '30m', reason: 'service test' })).id;
  const waitForStatus = async (id: string, status: RequestStatus) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const current = (await store.requests.get(id))?.status;
      if (current === status) return;
      if (Date.now() > deadline) throw new Error(`request ${id} did not become ${status} (is ${current})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { dir, config, store, providers, clock, logger, logs, access: control, requests, runtime, http, request, waitForStatus };
}

export type ServiceStack = Awaited<ReturnType<typeof openServiceStack>>;

/** The store's audit entries as text (for checks that a secret never reached it). */
export async function auditText(store: Store): Promise<string> {
  return JSON.stringify(await store.audit.list({ limit: 1000 }));
}
