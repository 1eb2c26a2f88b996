// An access provider that runs on a host agent: grant, revoke and listActive become host tasks
// (channel.ts, or temporal/ with agent_transport: temporal) that the host runs with its own copy of the provider (agent/host/). The server
// never touches the host's files; it sends the provider's settings, the host picks the paths.
import type { AccessProvider, ActiveGrant, AgentBinding, GrantInput, GrantRecord } from '../provider.js';
import type { HostTaskTransport } from './channel.js';
import { HostAnswerInvalid } from './errors.js';
import { activeGrantListSchema, grantRecordSchema } from './protocol.js';

/** How long one call waits for the host's answer before the runtime's retry takes over. */
export const HOST_CALL_WAIT_MS = 25_000;
/** listActive (reconciliation) waits less: an offline host must not hold the reconciler up. */
const LIST_WAIT_MS = 10_000;
/**
 * A grant not handed to the host within this after its last attempt is dropped: once the
 * workflow has given up (the request failed), a host coming back must not grant it late.
 */
export const GRANT_DELIVERY_WINDOW_MS = 60_000;

export class RemoteAccessProvider implements AccessProvider {
  constructor(
    readonly id: string,
    readonly type: string,
    readonly binding: AgentBinding,
    private readonly channel: HostTaskTransport,
    private readonly waitMs = HOST_CALL_WAIT_MS,
  ) {}

  async grant(input: GrantInput): Promise<GrantRecord> {
    // Only what the host needs to write the rule: no groups or display name.
    const identity = { id: input.identity.id, provider: input.identity.provider, provider_type: input.identity.provider_type, groups: [], ...(input.identity.email !== undefined ? { email: input.identity.email } : {}) };
    const result = await this.channel.run({
      ...this.common('grant', input.requestId),
      payload: { ...this.payload(), input: { requestId: input.requestId, identity, role: input.role, expiresAt: input.expiresAt } },
      reuseDone: true,
      deliverWithinMs: GRANT_DELIVERY_WINDOW_MS,
      offline: 'fail',
      waitMs: this.waitMs,
    });
    const parsed = grantRecordSchema.safeParse(result);
    if (!parsed.success) throw new HostAnswerInvalid(this.binding.host, 'expected a grant record');
    // The host reports facts; which request and provider they belong to is the server's to say.
    return { provider: this.id, requestId: input.requestId, data: { ...parsed.data.data, host: this.binding.host } };
  }

  /** Queued even when the host is offline: it runs when the host is back (the rule's NOTAFTER covers the gap). */
  async revoke(record: GrantRecord): Promise<void> {
    await this.channel.run({
      ...this.common('revoke', record.requestId),
      payload: { ...this.payload(), record: { provider: this.id, requestId: record.requestId, data: record.data } },
      reuseDone: false,
      offline: 'wait',
      waitMs: this.waitMs,
    });
  }

  async listActive(): Promise<ActiveGrant[]> {
    const result = await this.channel.run({
      ...this.common('list', null),
      payload: this.payload(),
      reuseDone: false,
      offline: 'fail-unless-connected',
      waitMs: Math.min(this.waitMs, LIST_WAIT_MS),
    });
    const parsed = activeGrantListSchema.safeParse(result);
    if (!parsed.success) throw new HostAnswerInvalid(this.binding.host, 'expected a list of grants');
    return parsed.data.map((g) => ({ provider: this.id, requestId: g.requestId, data: { ...g.data, host: this.binding.host } }));
  }

  private common(kind: 'grant' | 'revoke' | 'list', requestId: string | null) {
    return { host: this.binding.host, provider: this.id, kind, requestId };
  }

  private payload(): Record<string, unknown> {
    return { type: this.type, settings: this.binding.settings };
  }
}
