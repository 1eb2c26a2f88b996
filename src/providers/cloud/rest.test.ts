import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TargetRefused, TargetUnavailable } from './errors.js';
import { callRest, collectPages, type RestClientOptions } from './rest.js';
import { TokenCache } from './token-cache.js';

describe('cloud REST calls', () => {
  let server: Server;
  let client: RestClientOptions;
  let flaky = 0;
  const auth: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      auth.push(req.headers.authorization ?? '');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/ok') return send(200, { fine: true });
      if (url.pathname === '/flaky') return flaky++ < 2 ? send(503, { error: { message: 'busy' } }, { 'retry-after': '0' }) : send(200, { after: flaky });
      if (url.pathname === '/down') return send(429, { error: { message: 'Quota exceeded' } });
      if (url.pathname === '/denied') return send(403, { error: { code: 403, message: "Permission 'resourcemanager.projects.setIamPolicy' denied", details: [{ metadata: { permission: 'resourcemanager.projects.setIamPolicy' } }] } });
      if (url.pathname === '/azure-denied') return send(403, { error: { code: 'AuthorizationFailed', message: "The client 'x' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '/subscriptions/s'" } });
      if (url.pathname === '/stale') return send(409, { error: { message: 'etag mismatch' } });
      if (url.pathname === '/pages') {
        const page = Number(url.searchParams.get('page') ?? '1');
        return send(200, { items: [page * 10, page * 10 + 1], ...(page < 3 ? { next: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pages?page=${page + 1}` } : {}) });
      }
      return send(404, { error: { message: 'no such thing' } });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: () => Promise.resolve('tok-1'), target: 'test provider "t"', retry: { baseDelayMs: 1 } };
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the bearer token and returns the JSON body', async () => {
    assert.deepEqual((await callRest(client, { path: '/ok' })).body, { fine: true });
    assert.equal(auth.at(-1), 'Bearer tok-1');
  });

  it('retries a transient failure, then gives up with TargetUnavailable', async () => {
    assert.deepEqual((await callRest(client, { path: '/flaky' })).body, { after: 3 });
    await assert.rejects(callRest(client, { path: '/down' }), (err) => err instanceof TargetUnavailable && err.status === 503 && /Quota exceeded/.test(err.message));
  });

  it('types refusals by status, naming the missing permission', async () => {
    await assert.rejects(callRest(client, { path: '/denied' }), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && err.missingPermission === 'resourcemanager.projects.setIamPolicy');
    await assert.rejects(callRest(client, { path: '/azure-denied' }), (err) => err instanceof TargetRefused && err.missingPermission === 'Microsoft.Authorization/roleAssignments/write');
    await assert.rejects(callRest(client, { path: '/stale' }), (err) => err instanceof TargetRefused && err.code === 'target_conflict');
    await assert.rejects(callRest(client, { path: '/nope' }), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && !err.message.includes('tok-1'));
  });

  it('an unreachable target is transient', async () => {
    await assert.rejects(callRest({ ...client, baseUrl: 'http://127.0.0.1:1', retry: { attempts: 1 } }, { path: '/ok' }), TargetUnavailable);
  });

  it('collects every page', async () => {
    const all = await collectPages<{ items: number[]; next?: string }, number>({ path: '/pages' }, client, (p) => p.items, (p) => (p.next ? { path: p.next } : undefined));
    assert.deepEqual(all, [10, 11, 20, 21, 30, 31]);
  });
});

describe('TokenCache', () => {
  it('fetches once for concurrent callers and again near expiry', async () => {
    let now = 0;
    let fetched = 0;
    const cache = new TokenCache(() => Promise.resolve({ token: `t${++fetched}`, expiresAt: now + 3_600_000 }), () => now);
    assert.deepEqual(await Promise.all([cache.get(), cache.get(), cache.get()]), ['t1', 't1', 't1']);
    now += 3_600_000 - 30_000;
    assert.equal(await cache.get(), 't2');
  });
});
