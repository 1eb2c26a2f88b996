import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { webhookConfigSchema } from './config.js';
import { SIGNATURE_HEADER, WebhookDeliveryFailed, WebhookNotifier } from './provider.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP receiver on loopback answering `status`. */
async function receiver(t: TestContext, status = 204): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/hook`, received };
}

const notification = {
  to: 'ops',
  message: 'alice asks for debug',
  request: { id: 'req_1', role: 'debug', provider: 'box', requester: 'alice@example.com', reason: 'INC-1', status: 'pending' },
};

describe('webhook notifications', () => {
  it('POSTs the notification as JSON, signed with HMAC-SHA256', async (t) => {
    const { url, received } = await receiver(t);
    const secret = 'a-webhook-secret-of-some-length';
    await new WebhookNotifier('hook', webhookConfigSchema.parse({ url, secret, headers: { 'x-api-key': 'k' } })).send(notification);
    assert.equal(received.length, 1);
    const [{ headers, body }] = received as [Received];
    assert.deepEqual(JSON.parse(body), { type: 'com.lease.notification', provider: 'hook', ...notification });
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['x-api-key'], 'k');
    assert.equal(headers[SIGNATURE_HEADER], `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  });

  it('fails (so the runtime retries) when the receiver refuses or is unreachable', async (t) => {
    const { url } = await receiver(t, 500);
    await assert.rejects(new WebhookNotifier('hook', webhookConfigSchema.parse({ url })).send(notification), WebhookDeliveryFailed);
    await assert.rejects(new WebhookNotifier('hook', webhookConfigSchema.parse({ url: 'http://127.0.0.1:1/none' })).send(notification), WebhookDeliveryFailed);
  });

  it('accepts https anywhere and http only on loopback', () => {
    assert.ok(webhookConfigSchema.safeParse({ url: 'https://hooks.example.com/x' }).success);
    assert.ok(webhookConfigSchema.safeParse({ url: 'http://127.0.0.1:9/x' }).success);
    assert.equal(webhookConfigSchema.safeParse({ url: 'http://hooks.example.com/x' }).success, false);
    assert.equal(webhookConfigSchema.safeParse({ url: 'https://x.example', colour: 'red' }).success, false);
  });
});
