// The `opsgenie` on-call provider: who is on call on a schedule, from Opsgenie's Who Is On Call
// API (GET /v2/schedules/{id}/on-calls?scheduleIdentifierType=id&flat=true&date=...: with
// `flat`, `data.onCallRecipients` lists the on-call users' usernames, which are e-mail addresses).
import type { OnCallProvider, ProviderFactory, ProviderInstance } from '../provider.js';
import { emails, getJson, OnCallLookupFailed, type LookupOptions } from '../on-call/index.js';
import { opsgenieConfigSchema, type OpsgenieConfig } from './config.js';

export class OpsgenieOnCall implements OnCallProvider {
  constructor(private readonly id: string, private readonly config: OpsgenieConfig, private readonly options: LookupOptions = {}) {}

  async onCallAt(schedule: string, at: Date): Promise<string[]> {
    const url = new URL(`${this.config.api_url}/v2/schedules/${encodeURIComponent(schedule)}/on-calls`);
    url.searchParams.set('scheduleIdentifierType', 'id');
    url.searchParams.set('flat', 'true');
    // yyyy-MM-dd'T'HH:mm:ssZ, as the reference asks (e.g. 2017-01-15T08:00:00+02:00).
    url.searchParams.set('date', `${at.toISOString().slice(0, 19)}+00:00`);
    const body = await getJson(this.id, url, { authorization: `GenieKey ${this.config.api_key}`, accept: 'application/json' }, this.config, this.options);
    const recipients = (body as { data?: { onCallRecipients?: unknown } } | null)?.data?.onCallRecipients;
    if (!Array.isArray(recipients)) throw new OnCallLookupFailed(this.id, `GET ${url.pathname} answered without data.onCallRecipients`);
    return emails(recipients);
  }
}

export const opsgenieProviderFactory: ProviderFactory<OpsgenieConfig> = {
  type: 'opsgenie',
  capabilities: ['on-call'],
  configSchema: opsgenieConfigSchema,
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'opsgenie', name, enabled, capabilities: ['on-call'], onCall: new OpsgenieOnCall(id, config) };
  },
};
