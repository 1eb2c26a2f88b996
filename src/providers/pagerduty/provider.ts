// The `pagerduty` on-call provider: who is on call on a schedule, from PagerDuty's REST API v2
// ("List users on call", GET /schedules/{id}/users?since&until, which answers 404 for a
// schedule that does not exist — GET /oncalls would answer an empty list instead).
import type { OnCallProvider, ProviderFactory, ProviderInstance } from '../provider.js';
import { emails, getJson, OnCallLookupFailed, type LookupOptions } from '../on-call/index.js';
import { pagerdutyConfigSchema, type PagerdutyConfig } from './config.js';

/** PagerDuty counts on-call periods overlapping [since, until): a one-second window at `at`. */
const WINDOW_MS = 1_000;

export class PagerdutyOnCall implements OnCallProvider {
  constructor(private readonly id: string, private readonly config: PagerdutyConfig, private readonly options: LookupOptions = {}) {}

  async onCallAt(schedule: string, at: Date): Promise<string[]> {
    const url = new URL(`${this.config.api_url}/schedules/${encodeURIComponent(schedule)}/users`);
    url.searchParams.set('since', at.toISOString());
    url.searchParams.set('until', new Date(at.getTime() + WINDOW_MS).toISOString());
    const headers = {
      authorization: `Token token=${this.config.token}`,
      accept: 'application/vnd.pagerduty+json;version=2',
      'content-type': 'application/json',
    };
    const body = await getJson(this.id, url, headers, this.config, this.options);
    const users = (body as { users?: unknown } | null)?.users;
    if (!Array.isArray(users)) throw new OnCallLookupFailed(this.id, `GET ${url.pathname} answered without a users list`);
    return emails(users.map((u) => (typeof u === 'object' && u !== null ? (u as { email?: unknown }).email : undefined)));
  }
}

export const pagerdutyProviderFactory: ProviderFactory<PagerdutyConfig> = {
  type: 'pagerduty',
  capabilities: ['on-call'],
  configSchema: pagerdutyConfigSchema,
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'pagerduty', name, enabled, capabilities: ['on-call'], onCall: new PagerdutyOnCall(id, config) };
  },
};
