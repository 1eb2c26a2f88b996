// Free TCP ports on 127.0.0.1, for helpers that must name a port before the process they start
// (moto, the Temporal dev server). Lease itself takes --port 0 and prints the port it got.
import { createServer } from 'node:net';

/** A port nothing listens on right now: the OS picks it, then it is released for the caller. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
