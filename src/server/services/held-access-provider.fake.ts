// In-process fake, for the reconciler's unit test only (the e2e test uses real sudo): an access
// provider whose grants are map entries and whose grant, revoke and listActive can each be held
// in the middle of the call until the test lets it go, to replay deterministically the races
// between a workflow's calls and a reconciliation.
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord } from '../../providers/index.js';

type Kind = 'grant' | 'revoke' | 'list';

export interface Hold {
  /** Resolves when the held call has arrived (and, for list, taken its snapshot). */
  reached: Promise<void>;
  release(): void;
}

export class HeldAccessProvider implements AccessProvider {
  readonly type = 'held';
  /** What the target holds: request id → grant data. Tests may edit it "by hand". */
  readonly granted = new Map<string, Record<string, unknown>>();
  readonly calls: Kind[] = [];
  private readonly holds = new Map<Kind, { arrived: () => void; gate: Promise<void> }>();

  constructor(readonly id: string) {}

  /** Holds the next call of `kind`. */
  hold(kind: Kind): Hold {
    let arrived!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.holds.set(kind, { arrived, gate });
    return { reached, release };
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    this.calls.push('grant');
    await this.pause('grant');
    this.granted.set(input.requestId, { account: input.identity.id });
    return { provider: this.id, requestId: input.requestId, data: { account: input.identity.id } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    this.calls.push('revoke');
    await this.pause('revoke');
    this.granted.delete(record.requestId);
  }

  async listActive(): Promise<ActiveGrant[]> {
    this.calls.push('list');
    const snapshot = [...this.granted].map(([requestId, data]) => ({ provider: this.id, requestId, data }));
    await this.pause('list');
    return snapshot;
  }

  private async pause(kind: Kind): Promise<void> {
    const hold = this.holds.get(kind);
    if (!hold) return;
    this.holds.delete(kind);
    hold.arrived();
    await hold.gate;
  }
}
