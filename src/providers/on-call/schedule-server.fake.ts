// What the PagerDuty and Opsgenie contract servers share: shifts on schedules, an HTTP server
// on loopback, and scripted throttling and outages. Test-only (imported by *.fake.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Shift {
  email: string;
  /** ISO-8601; default: always. */
  start?: string;
  end?: string;
}

export interface ScheduleFake {
  url: string;
  /** Every request received: method, path with query, and the Authorization header's scheme. */
  requests: Array<{ method: string; url: string; scheme: string }>;
  /** Replaces the shifts of a schedule (creating it). */
  setShifts(schedule: string, shifts: Shift[]): void;
  /** The next `n` requests are answered 429. */
  throttle(n: number, retryAfterSeconds?: number): void;
  /** The next `n` requests are answered 503. */
  fail(n: number): void;
  close(): Promise<void>;
}

export interface FakeState {
  schedules: Map<string, Shift[]>;
}

/** The e-mails of shifts overlapping [since, until). */
export function onCallDuring(shifts: Shift[], since: number, until: number): string[] {
  return shifts
    .filter((s) => (s.start === undefined || Date.parse(s.start) < until) && (s.end === undefined || Date.parse(s.end) > since))
    .map((s) => s.email);
}

export async function startScheduleFake(
  handle: (req: IncomingMessage, url: URL, state: FakeState, answer: (status: number, body: unknown, headers?: Record<string, string>) => void) => void,
  refusals: { throttled: (retryAfter: number) => { body: unknown; headers: Record<string, string> }; unavailable: unknown },
): Promise<ScheduleFake> {
  const state: FakeState = { schedules: new Map() };
  const requests: ScheduleFake['requests'] = [];
  let throttled = 0;
  let retryAfter = 0;
  let failing = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    requests.push({ method: req.method ?? '', url: req.url ?? '', scheme: (req.headers.authorization ?? '').split(' ')[0] ?? '' });
    req.resume();
    req.on('end', () => {
      if (throttled > 0) {
        throttled--;
        const { body, headers } = refusals.throttled(retryAfter);
        return answer(429, body, headers);
      }
      if (failing > 0) {
        failing--;
        return answer(503, refusals.unavailable);
      }
      handle(req, new URL(req.url ?? '/', 'http://fake'), state, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setShifts: (schedule, shifts) => void state.schedules.set(schedule, shifts),
    throttle: (n, seconds = 0) => ((throttled = n), (retryAfter = seconds)),
    fail: (n) => void (failing = n),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
