import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSuccess, parseJsonOrUndefined, sendHttp } from './http-request.js';

describe('sendHttp', () => {
  let server: Server;
  let base: string;
  const seen: { method?: string; headers?: Record<string, unknown>; body?: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === '/redirect') {
          res.writeHead(302, { location: '/elsewhere' }).end();
          return;
        }
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: body, é: 'ü' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the method, headers and body, and reads the whole answer as UTF-8', async () => {
    const answer = await sendHttp(`${base}/x`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"a":"é"}' });
    assert.equal(answer.status, 200);
    assert.deepEqual(parseJsonOrUndefined(answer.text), { echoed: '{"a":"é"}', é: 'ü' });
    const request = seen.at(-1);
    assert.equal(request?.method, 'POST');
    assert.equal(request?.headers?.authorization, 'Bearer t');
    assert.equal(request?.headers?.connection, 'close');
  });

  it('hands back error statuses and never follows a redirect', async () => {
    assert.equal((await sendHttp(`${base}/missing`, { method: 'GET' })).status, 404);
    const before = seen.length;
    const redirect = await sendHttp(`${base}/redirect`, { method: 'GET', headers: { authorization: 'Bearer t' } });
    assert.equal(redirect.status, 302);
    assert.equal(seen.length, before + 1, 'the redirect target was not asked');
    assert.equal(isSuccess(302), false);
    assert.equal(isSuccess(204), true);
  });

  it('rejects when nothing listens, and for other protocols', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(sendHttp(`http://127.0.0.1:${port}/`, { method: 'GET' }), /ECONNREFUSED/);
    await assert.rejects(sendHttp('file:///etc/passwd', { method: 'GET' }), /unsupported protocol/);
  });

  it('parseJsonOrUndefined is undefined for empty or non-JSON text', () => {
    assert.equal(parseJsonOrUndefined(''), undefined);
    assert.equal(parseJsonOrUndefined('<html>'), undefined);
  });
});
