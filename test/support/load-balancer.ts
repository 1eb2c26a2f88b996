// A TCP load balancer in front of `lease server` replicas: clients (the CLI, whose sessions are
// kept per server URL) talk to one URL, as behind a real balancer, and the test chooses which
// replica takes each new connection. Connections already open stay with their replica.
import { connect, createServer, type Socket } from 'node:net';

export interface LoadBalancer {
  /** The URL clients use (http://127.0.0.1:<port>). */
  url: string;
  /** Sends new connections to `target` (a replica's http://host:port URL) from now on. */
  routeTo(target: string): void;
  stop(): Promise<void>;
}

export async function startLoadBalancer(target: string): Promise<LoadBalancer> {
  let backend = new URL(target);
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = connect(Number(backend.port), backend.hostname);
    track(client);
    track(upstream);
    // Either side failing or closing ends both: a dead replica looks like a refused connection.
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the load balancer has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    routeTo: (next) => {
      backend = new URL(next);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
