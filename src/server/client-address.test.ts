import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { clientAddressOf, normaliseAddress, trustedProxyList, UNKNOWN_ADDRESS } from './client-address.js';

/** What the address function says for a request from `peer` with these headers. */
async function addressFor(proxies: string[] | undefined, peer: string | undefined, headers: Record<string, string> = {}): Promise<string> {
  const of = clientAddressOf(trustedProxyList(proxies));
  const app = new Hono().get('/', (c) => c.text(of(c)));
  const env = peer === undefined ? undefined : { incoming: { socket: { remoteAddress: peer } } };
  return (await app.request('http://lease.test/', { headers }, env)).text();
}

describe('client address', () => {
  it('is the socket peer; X-Forwarded-For is ignored unless the peer is a trusted proxy', async () => {
    assert.equal(await addressFor(undefined, '203.0.113.7', { 'x-forwarded-for': '198.51.100.1' }), '203.0.113.7');
    assert.equal(await addressFor(['10.0.0.0/8'], '203.0.113.7', { 'x-forwarded-for': '198.51.100.1' }), '203.0.113.7');
  });

  it('behind a trusted proxy: the right-most forwarded address that is not a trusted proxy', async () => {
    const proxies = ['10.0.0.0/8', '192.0.2.10'];
    assert.equal(await addressFor(proxies, '10.1.2.3', { 'x-forwarded-for': '198.51.100.1' }), '198.51.100.1');
    // The client wrote the left-most entry itself: it proves nothing.
    assert.equal(await addressFor(proxies, '10.1.2.3', { 'x-forwarded-for': '6.6.6.6, 198.51.100.1, 192.0.2.10' }), '198.51.100.1');
    assert.equal(await addressFor(proxies, '10.1.2.3'), '10.1.2.3', 'no header: the proxy itself');
    assert.equal(await addressFor(proxies, '10.1.2.3', { 'x-forwarded-for': '6.6.6.6, not-an-address' }), '10.1.2.3', 'garbage stops at the nearest trusted hop');
  });

  it('reads IPv4-mapped IPv6 peers as IPv4, and matches IPv6 ranges', async () => {
    assert.equal(await addressFor(undefined, '::ffff:127.0.0.2'), '127.0.0.2');
    assert.equal(await addressFor(['fd00::/8'], 'fd00::1', { 'x-forwarded-for': '2001:DB8::1' }), '2001:db8::1');
    assert.equal(normaliseAddress(' 192.0.2.1 '), '192.0.2.1');
    assert.equal(normaliseAddress('fe80::1%eth0'), 'fe80::1');
    assert.equal(normaliseAddress('example.com'), undefined);
  });

  it('is "unknown" without a socket (in-process requests)', async () => {
    assert.equal(await addressFor(undefined, undefined), UNKNOWN_ADDRESS);
  });

  it('refuses a trusted proxy entry that is not an address or a CIDR range, naming it', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1', 'fd00::/129', '10.0.0.0/x']) {
      assert.throws(() => trustedProxyList(['127.0.0.1', bad]), (e: unknown) => (e as Error).message.includes('server.trusted_proxies[1]'), bad);
    }
  });
});
