// Suggestions: which requests fit what a person wrote, among the roles they may request now.
// "May request" is the request policy itself (scopes, authenticators, role and provider enabled),
// run for every (role, provider) pair with everything but the duration, so no suggestion is one
// the policy would refuse. The text is audited like a reason.
import { InvalidInput, PolicyDenied, formatIsoDuration, identityKey, tryParseDuration, type Clock, type Identity, type Logger } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { Store } from '../../store/index.js';
import type { LanguageModel, OfferedRequest } from '../../llm/index.js';
import { SuggestionIndex, durationFor, durationFromText, isTimeZone, suggestRequests, type RankedRole, type Suggestion } from '../../suggest/index.js';
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

/** Most requests offered to a language model in one question (the best ranked offline first). */
const MAX_OFFERED = 300;

export class SuggestionService {
  private index: SuggestionIndex | undefined;
  private model: Promise<LanguageModel | undefined> | undefined;

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

  /** services.llm, loaded on first use when configured. */
  private languageModel(): Promise<LanguageModel | undefined> {
    const section = this.deps.config.services?.llm;
    return (this.model ??= section === undefined ? Promise.resolve(undefined) : import('../../llm/index.js').then(async ({ LanguageModel }) => {
      const { llmServiceSchema } = await import('../../config/schema/services.js');
      return new LanguageModel(llmServiceSchema.parse(section));
    }));
  }

  async suggest(identity: Identity, ask: { text: string; time_zone?: string | undefined; llm?: boolean | undefined }): Promise<SuggestionAnswer> {
    const { store, clock, logger } = this.deps;
    if (ask.time_zone !== undefined && !isTimeZone(ask.time_zone)) throw new InvalidInput(`"${ask.time_zone}" is not a time zone (use an IANA name such as Europe/Paris)`, 'time_zone');
    const now = clock.now();
    const timeZone = ask.time_zone;
    const allowed = (role: RankedRole, providerId: string) => this.requestable(identity, role, providerId);
    const suggestions = suggestRequests(this.indexOf(), ask.text, { allowed, now, ...(timeZone !== undefined ? { timeZone } : {}) });
    const model = ask.llm === false ? undefined : await this.languageModel();
    const answer: SuggestionAnswer = model ? await this.askModel(model, identity, ask.text, suggestions, now, timeZone) : { suggestions, source: 'offline' };
    if (answer.fallback) logger.warn({ user: identityKey(identity), model: model?.label, reason: answer.fallback.reason }, 'suggestions: the offline ranking answered instead of the language model');
    await store.audit.append({
      actor: identityKey(identity),
      action: 'suggestion.asked',
      subject: null,
      data: { text: ask.text, source: answer.source, suggested: answer.suggestions.map((s) => `${s.role}@${s.provider}`), ...(answer.fallback ? { fallback: answer.fallback.reason } : {}) },
    });
    logger.info({ user: identityKey(identity), source: answer.source, count: suggestions.length }, 'suggestions answered');
    return answer;
  }

  /**
   * The model's choice first, then the offline ranking's others. The model sees only the
   * requests the person may make now; a choice outside them, a malformed or late answer, or an
   * error falls back to the offline ranking, saying why.
   */
  private async askModel(model: LanguageModel, identity: Identity, text: string, offline: Suggestion[], now: number, timeZone: string | undefined): Promise<SuggestionAnswer> {
    const fallback = (reason: string): SuggestionAnswer => ({ suggestions: offline, source: 'offline', fallback: { reason } });
    const offered = this.offered(identity, offline);
    if (offered.length === 0) return { suggestions: [], source: 'offline' };
    const { LanguageModelUnavailable } = await import('../../llm/index.js');
    let choice;
    try {
      choice = await model.choose(text, offered);
    } catch (err) {
      if (err instanceof LanguageModelUnavailable) return fallback(err.reason);
      throw err;
    }
    if (choice === undefined) return fallback('the language model found none of your requestable roles fits');
    const pair = offered.find((o) => o.role === choice.role && o.provider === choice.provider);
    const role = pair ? this.deps.config.roles.get(pair.role) : undefined;
    if (!pair || !role) return fallback('the language model chose a role you may not request: ignored');
    const fromModel = tryParseDuration(choice.duration);
    const asked = fromModel !== undefined && fromModel > 0 ? { ms: fromModel, phrase: choice.duration } : durationFromText(text, now, timeZone);
    const { ms, note } = durationFor(role, asked);
    const ranked = offline.find((s) => s.role === pair.role && s.provider === pair.provider);
    const chosen: Suggestion = {
      role: pair.role,
      provider: pair.provider,
      duration: formatIsoDuration(ms),
      reason: text.trim(),
      score: ranked?.score ?? 0,
      why: [`${model.label}: ${choice.why}`, ...(note ? [note] : [])],
    };
    return { suggestions: [chosen, ...offline.filter((s) => s !== ranked)].slice(0, Math.max(offline.length, 1)), source: 'llm' };
  }

  /** Every request `identity` may make now, the offline ranking's best first, at most MAX_OFFERED. */
  private offered(identity: Identity, ranked: Suggestion[]): OfferedRequest[] {
    const { config } = this.deps;
    const first = new Map(ranked.map((s, i) => [`${s.role}@${s.provider}`, i]));
    const out: OfferedRequest[] = [];
    for (const role of config.roles.values()) {
      if (!role.enabled) continue;
      for (const providerId of role.providers) {
        if (!this.requestable(identity, role, providerId)) continue;
        out.push({ role: role.id, name: role.name, description: role.description, provider: providerId, provider_name: config.providers.get(providerId)?.name ?? providerId, max_duration: formatIsoDuration(role.maxDurationMs) });
      }
    }
    const rank = (o: OfferedRequest) => first.get(`${o.role}@${o.provider}`) ?? Number.MAX_SAFE_INTEGER;
    return out.sort((a, b) => rank(a) - rank(b)).slice(0, MAX_OFFERED);
  }
}
