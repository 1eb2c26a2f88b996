// Activities for running a workflow on its own: access calls hit a dry-run provider that only
// records what it would grant or revoke; `http` calls are made for real (authoring a workflow
// means seeing what its endpoints answer).
import type { Clock } from '../../core/index.js';
import { canonicalCallName } from '../calls/names.js';
import { ActivityFailure, LEASE_ERROR_BASE, type ActivityHandler } from '../runtime/activities.js';

export interface DryRunRecord {
  call: string;
  task: string;
  args: unknown;
}

export function createDryRunCalls(clock: Clock, record: (entry: DryRunRecord) => void): ActivityHandler {
  return async (name, args, ctx) => {
    const call = canonicalCallName(name);
    record({ call, task: ctx.task, args });
    switch (call) {
      case 'lease.validate':
        return { valid: true, dry_run: true };
      case 'lease.authorize':
        // The lease "expires" at once so the run goes on to its revocation without waiting.
        return { granted: true, dry_run: true, expires_at: new Date(clock.now()).toISOString() };
      case 'lease.revoke':
        return { revoked: true, dry_run: true };
      case 'lease.notify':
      case 'slack.postMessage':
        return { sent: true, dry_run: true };
      case 'http':
        return httpCall(args);
      default:
        throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}not_implemented`, status: 501, title: 'not_implemented', detail: `${name} is not available in a dry run` });
    }
  };
}

async function httpCall(args: unknown): Promise<unknown> {
  const a = (args ?? {}) as { method?: string; endpoint?: string | { uri?: string }; headers?: Record<string, string>; body?: unknown };
  const uri = typeof a.endpoint === 'string' ? a.endpoint : a.endpoint?.uri;
  if (!uri) throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}invalid_call`, status: 400, title: 'invalid_call', detail: 'http call without endpoint' });
  const response = await fetch(uri, {
    method: (a.method ?? 'get').toUpperCase(),
    headers: { ...(a.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(a.headers ?? {}) },
    ...(a.body !== undefined ? { body: JSON.stringify(a.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (!response.ok) {
    throw new ActivityFailure({ type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication', status: response.status, title: 'http_error', detail: `${uri} answered ${response.status}` });
  }
  return body;
}
