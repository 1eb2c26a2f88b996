// Suggestions: which requests fit what a person wrote, among the roles they may request now.
// "May request" is the request policy itself (scopes, authenticators, role and provider enabled),
// run for every (role, provider) pair with everything but the duration, so no suggestion is one
// the policy would refuse. The text is audited like a reason.
import { InvalidInput, PolicyDenied, identityKey, type Clock, type Identity, type Logger } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { Store } from '../../store/index.js';
import { SuggestionIndex, isTimeZone, suggestRequests, type RankedRole, type Suggestion } from '../../suggest/index.js';
import { checkPolicy } from './access-directory.js';

export interface SuggestionAnswer {
  suggestions: Suggestion[];
  source: 'offline' | 'llm';
  fallback?: { reason: string };
}

export interface SuggestionServiceDeps {
  store: Store;
  config: LoadedConfig;
  providers: Map<string, ProviderInstance>;
  clock: Clock;
  logger: Logger;
}

export class SuggestionService {
  private index: SuggestionIndex | undefined;

  constructor(private readonly deps: SuggestionServiceDeps) {}

  /** Built on first use: the configuration does not change while the server runs. */
  private indexOf(): SuggestionIndex {
    const { config, providers } = this.deps;
    return (this.index ??= new SuggestionIndex(
      [...config.roles.values()].filter((r) => r.enabled),
      [...config.providers.values()].map((p) => ({ id: p.id, name: p.name, type: providers.get(p.id)?.type ?? p.provider, ...(p.description ? { description: p.description } : {}) })),
    ));
  }

  /** Whether `identity` may request `role` on `providerId` now, by the request policy (a minute, a placeholder reason). */
  requestable(identity: Identity, role: Pick<RankedRole, 'id' | 'maxDurationMs'>, providerId: string): boolean {
    try {
      checkPolicy(this.deps.config, this.deps.providers, { identity, roleId: role.id, providerId, durationMs: Math.min(60_000, role.maxDurationMs), reason: 'suggestion' });
      return true;
    } catch (err) {
      if (err instanceof PolicyDenied) return false;
      throw err;
    }
  }

  async suggest(identity: Identity, ask: { text: string; time_zone?: string | undefined }): Promise<SuggestionAnswer> {
    const { store, clock, logger } = this.deps;
    if (ask.time_zone !== undefined && !isTimeZone(ask.time_zone)) throw new InvalidInput(`"${ask.time_zone}" is not a time zone (use an IANA name such as Europe/Paris)`, 'time_zone');
    const suggestions = suggestRequests(this.indexOf(), ask.text, {
      allowed: (role, providerId) => this.requestable(identity, role, providerId),
      now: clock.now(),
      ...(ask.time_zone !== undefined ? { timeZone: ask.time_zone } : {}),
    });
    const answer: SuggestionAnswer = { suggestions, source: 'offline' };
    await store.audit.append({
      actor: identityKey(identity),
      action: 'suggestion.asked',
      subject: null,
      data: { text: ask.text, source: answer.source, suggested: suggestions.map((s) => `${s.role}@${s.provider}`) },
    });
    logger.info({ user: identityKey(identity), source: answer.source, count: suggestions.length }, 'suggestions answered');
    return answer;
  }
}
