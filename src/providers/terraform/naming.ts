// How Lease names the teams it makes in HCP Terraform, so that revoke, a re-run of a grant and
// the reconciler find them by the request id alone (teams carry no tags or description):
// - `lease-<request id>`: the request's own team, holding its workspace access; deleting it
//   ends that access (per request, so overlapping leases never share it);
// - `lease-<request id>-hold-<team id>`: a marker (no access, secret) whose one member is the
//   user: this request holds that user's membership of team <team id>, which Lease added. The
//   membership is removed when the last `hold` marker of that user and team goes;
// - `lease-<request id>-kept-<team id>`: the same, but the user was already a member before any
//   lease: the membership is theirs and stays after every lease ends.
// The markers are the reference count, kept on Terraform's side: it survives a crash or a lost
// Lease database, and several Lease servers see the same count.

export type HoldKind = 'hold' | 'kept';

export interface LeaseTeamName {
  requestId: string;
  /** Absent for the request's workspace-access team. */
  hold?: { kind: HoldKind; teamId: string };
}

const PATTERN = /^lease-([a-z]+_[0-9a-z]{26})(?:-(hold|kept)-(team-[A-Za-z0-9]+))?$/;

export function workspaceTeamName(requestId: string): string {
  return `lease-${requestId}`;
}

export function holdTeamName(requestId: string, kind: HoldKind, teamId: string): string {
  return `lease-${requestId}-${kind}-${teamId}`;
}

/** What a team's name says Lease made it for; undefined for any other team. */
export function parseLeaseTeamName(name: string): LeaseTeamName | undefined {
  const match = PATTERN.exec(name);
  if (!match) return undefined;
  const [, requestId, kind, teamId] = match as unknown as [string, string, HoldKind | undefined, string | undefined];
  return kind && teamId ? { requestId, hold: { kind, teamId } } : { requestId };
}
