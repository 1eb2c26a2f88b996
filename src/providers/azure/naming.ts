// How Lease names and marks what it makes in Azure, so a re-run finds the same thing and
// revoke and the reconciler find it by the request id alone:
// - a role assignment (or PIM schedule request) is named by a GUID derived from the provider
//   id, the request id, the scope and the role definition (UUID version 5 layout over SHA-256):
//   granting again PUTs the same name;
// - its description (PIM: justification) lists the requests holding it: `lease:<id> lease:<id>`
//   (PIM: `lease:<id>@<expiry>`, so the schedule can end at the latest expiry of those left).
//   Azure allows one assignment per principal, role and scope, so overlapping leases of one
//   person share it, and it is deleted when the last holder is revoked.
import { createHash } from 'node:crypto';

const MARK = 'lease:';
/** Azure caps a role assignment's description; past this many holders a grant is refused rather than truncated. */
export const MAX_DESCRIPTION_LENGTH = 2048;

/** A GUID that is the same for the same inputs (version nibble 5, RFC 4122 variant). */
export function deterministicGuid(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface Holder {
  requestId: string;
  /** ISO-8601, for PIM holders. */
  until?: string;
}

/** The holders a description or justification names; empty when Lease did not write it. */
export function holderEntries(description: string | null | undefined): Holder[] {
  if (typeof description !== 'string' || !description.startsWith(MARK)) return [];
  return description
    .split(/\s+/)
    .filter((word) => word.startsWith(MARK) && word.length > MARK.length)
    .map((word) => {
      const [requestId, until] = word.slice(MARK.length).split('@', 2) as [string, string | undefined];
      return until ? { requestId, until } : { requestId };
    });
}

/** The request ids a description or justification names. */
export function holdersOf(description: string | null | undefined): string[] {
  return holderEntries(description).map((h) => h.requestId);
}

export function isLeaseMade(description: string | null | undefined): boolean {
  return holdersOf(description).length > 0;
}

/** The description naming these holders (each request once, in order). */
export function describeHolders(holders: Array<string | Holder>): string {
  const unique = new Map<string, Holder>();
  for (const h of holders) {
    const holder = typeof h === 'string' ? { requestId: h } : h;
    if (!unique.has(holder.requestId)) unique.set(holder.requestId, holder);
  }
  return [...unique.values()].map((h) => `${MARK}${h.requestId}${h.until ? `@${h.until}` : ''}`).join(' ');
}

/** The latest `until` of the holders (ISO-8601), if each has one. */
export function latestUntil(holders: Holder[]): string | undefined {
  if (holders.length === 0 || holders.some((h) => h.until === undefined)) return undefined;
  return holders.map((h) => h.until as string).reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}
