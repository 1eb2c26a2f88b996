// Whether a workflow is in the middle of changing access, read from its stored checkpoint: a
// lease.authorize or lease.revoke issued and not yet answered. Both runtimes store the
// interpreter state under `state` (embedded `Checkpoint`, temporal `TemporalCheckpoint`, where
// it is null until the first step is recorded); its `pending` lists the commands in flight.
import type { Command } from '../interpreter/types.js';

/** The calls that change what a provider has granted. */
const ACCESS_CALLS: ReadonlySet<string> = new Set(['lease.authorize', 'lease.revoke']);

export function accessCallInFlight(checkpoint: unknown): boolean {
  const pending = (checkpoint as { state?: { pending?: unknown } | null } | null | undefined)?.state?.pending;
  return Array.isArray(pending) && (pending as Command[]).some((c) => c.kind === 'call' && ACCESS_CALLS.has(c.name));
}
