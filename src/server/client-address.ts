// Which address a request comes from, for login throttling: the TCP peer of the socket. Only
// when that peer is a configured trusted proxy (`server.trusted_proxies`) is X-Forwarded-For
// read, right to left, skipping the trusted proxies: the first address that is not one of them
// is the client (anything left of it was written by the client and proves nothing).
import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';
import { InvalidInput } from '../core/index.js';

/** Stands for a request without a socket (in-process tests). */
export const UNKNOWN_ADDRESS = 'unknown';

export type ClientAddressOf = (c: Context) => string;

/** `::ffff:192.0.2.1` is 192.0.2.1; zone ids are dropped; anything that is not an address → undefined. */
export function normaliseAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bare = value.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped !== undefined && isIP(mapped) === 4) return mapped;
  return isIP(bare) === 0 ? undefined : bare.toLowerCase();
}

/** A BlockList of the configured proxies (addresses or CIDR ranges); a bad entry names its path. */
export function trustedProxyList(entries: readonly string[] | undefined, path = 'server.trusted_proxies'): BlockList | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  const list = new BlockList();
  entries.forEach((entry, i) => {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (bits !== undefined && (!/^\d+$/.test(prefix as string) || bits > max))) {
      throw new InvalidInput(`${path}[${i}]: expected an IP address or a CIDR range (10.0.0.0/8, fd00::/8), got ${JSON.stringify(entry)}`, `${path}.${i}`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  });
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** The socket's peer address as @hono/node-server hands it over (c.env.incoming). */
function peerOf(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

export function clientAddressOf(trustedProxies: BlockList | undefined): ClientAddressOf {
  return (c) => {
    const peer = normaliseAddress(peerOf(c));
    if (peer === undefined) return UNKNOWN_ADDRESS;
    if (trustedProxies === undefined || !isTrusted(trustedProxies, peer)) return peer;
    let client = peer;
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').reverse();
    for (const hop of hops) {
      const address = normaliseAddress(hop);
      // Garbage in the header: stop at the nearest proxy we trust, never at what the client wrote.
      if (address === undefined) break;
      client = address;
      if (!isTrusted(trustedProxies, address)) break;
    }
    return client;
  };
}
