// The image's HEALTHCHECK: asks the server in this container whether it is ready, with Node's
// own fetch (the image has no curl). Exit 0 = healthy, 1 = not. The server's address is the
// one it was told to listen on (LEASE_HOST, LEASE_PORT); a wildcard address is asked on loopback.
const host = process.env.LEASE_HOST ?? '127.0.0.1';
const port = process.env.LEASE_PORT ?? '8080';
const path = process.env.LEASE_HEALTHCHECK_PATH ?? '/ready';
const loopback = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;

try {
  const res = await fetch(`http://${loopback}:${port}${path}`, { signal: AbortSignal.timeout(4_000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
