// Suggestions with a language model, against contract servers of each vendor's API: the model's
// choice leads when it is one the person may request; a malformed answer, a role outside what
// the person may request, a timeout or a 429 fall back to the offline ranking and say so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock, type Identity } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { AccessProvider, ProviderInstance } from '../../providers/index.js';
import { openSqliteStore, type Store } from '../../store/index.js';
import { createJqEngine } from '../../workflow/expressions/index.js';
import { startAnthropicContract } from '../../llm/vendors/anthropic.fake.js';
import type { ContractServer } from '../../llm/vendors/contract-server.fake.js';
import { startGeminiContract } from '../../llm/vendors/gemini.fake.js';
import { startOpenAiContract } from '../../llm/vendors/openai.fake.js';
import { loadServerConfig } from '../server.js';
import { SuggestionService } from './suggestions.js';
import { registerTestSecret } from '../../../test/support/secrets.js';

const API_KEY = 'contract-test-key-7Hq2Lw9';
registerTestSecret(API_KEY);
const alice: Identity = { id: 'alice', email: 'alice@example.com', groups: ['eng'], provider: 'local', provider_type: 'local' };

const CONFIG = (dir: string) => `version: "1.0"
providers:
  local: {name: Local users, provider: local, config: {users: {}}}
  pg: {name: Application database, provider: sudo, config: {sudoers_dir: ${JSON.stringify(join(dir, 'pg'))}, visudo: false}}
  box: {name: App server, provider: sudo, config: {sudoers_dir: ${JSON.stringify(join(dir, 'box'))}, visudo: false}}
roles:
  db-read:
    name: Database read-only
    description: SELECT on the application database
    scopes: {groups: [eng]}
    providers: [pg]
    max_duration: 2h
  logs:
    name: Log reader
    description: Read the service logs with journalctl
    permissions: {allow: [/usr/bin/journalctl]}
    scopes: {groups: [eng]}
    providers: [box]
    max_duration: 8h
  root-all:
    name: Root
    description: Root on the app server and the database
    permissions: {allow: [ALL]}
    scopes: {groups: [ops]}
    providers: [box, pg]
    max_duration: 1h
`;

const VENDORS = [
  ['openai', startOpenAiContract, 'gpt-4o-mini'],
  ['anthropic', startAnthropicContract, 'claude-3-5-haiku-latest'],
  ['gemini', startGeminiContract, 'gemini-2.0-flash'],
] as const;

for (const [vendor, start, model] of VENDORS) {
  describe(`suggestions with services.llm provider ${vendor} (contract server)`, () => {
    let dir: string;
    let store: Store;
    let contract: ContractServer;
    let config: LoadedConfig;
    let providers: Map<string, ProviderInstance>;
    const service = (llm: Record<string, unknown> = {}) =>
      new SuggestionService({ store, config: { ...config, services: { llm: { provider: vendor, model, api_key: API_KEY, base_url: contract.url + (vendor === 'openai' ? '/v1' : ''), timeout: '2s', ...llm } } }, providers, clock: systemClock, logger: pino({ level: 'silent' }) });

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lease-suggest-llm-'));
      await writeFile(join(dir, 'lease.yaml'), CONFIG(dir));
      config = await loadServerConfig(join(dir, 'lease.yaml'), await createJqEngine(), {});
      store = await openSqliteStore({ file: join(dir, 'lease.db'), clock: systemClock });
      const instance = (id: string): ProviderInstance => ({ id, type: 'sudo', name: id, enabled: true, capabilities: ['access'], access: {} as AccessProvider });
      providers = new Map([['pg', instance('pg')], ['box', instance('box')]]);
      contract = await start(API_KEY);
    });

    after(async () => {
      await contract?.close();
      await store?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("puts the model's choice first, its duration clamped to the role's maximum; the model saw only requestable roles", async () => {
      contract.script = { kind: 'answer', value: { role: 'db-read', provider: 'pg', duration: 'PT8H', why: 'the customer data is in the database' } };
      contract.received.length = 0;
      const answer = await service().suggest(alice, { text: 'I need to debug the customer data issue' });
      assert.equal(answer.source, 'llm');
      assert.equal(answer.fallback, undefined);
      assert.deepEqual([answer.suggestions[0]?.role, answer.suggestions[0]?.provider, answer.suggestions[0]?.duration], ['db-read', 'pg', 'PT2H']);
      assert.ok(answer.suggestions[0]?.why.some((w) => w.includes('the customer data is in the database')));
      assert.equal(answer.suggestions[0]?.reason, 'I need to debug the customer data issue');
      const sent = JSON.stringify(contract.received[0]);
      assert.ok(sent.includes('db-read') && sent.includes('logs'), 'the requestable roles are offered');
      assert.ok(!sent.includes('root-all'), 'a role outside the scopes is never shown to the model');
    });

    it('falls back to the offline ranking on a malformed answer, saying so', async () => {
      contract.script = { kind: 'malformed' };
      const answer = await service().suggest(alice, { text: 'read the service logs' });
      assert.equal(answer.source, 'offline');
      assert.match(answer.fallback?.reason ?? '', /not the JSON asked for|did not match the schema/);
      assert.equal(answer.suggestions[0]?.role, 'logs');
    });

    it('discards a role the person may not request and falls back, saying so', async () => {
      contract.script = { kind: 'answer', value: { role: 'root-all', provider: 'box', duration: 'PT1H', why: 'root fixes everything' } };
      const answer = await service().suggest(alice, { text: 'read the service logs' });
      assert.equal(answer.source, 'offline');
      assert.equal(answer.fallback?.reason, 'the language model chose a role you may not request: ignored');
      assert.ok(answer.suggestions.every((s) => s.role !== 'root-all'));
    });

    it('falls back when the model does not answer in time', async () => {
      contract.script = { kind: 'timeout' };
      const started = Date.now();
      const answer = await service({ timeout: '300ms' }).suggest(alice, { text: 'read the service logs' });
      assert.equal(answer.source, 'offline');
      assert.equal(answer.fallback?.reason, 'the language model did not answer in time');
      assert.ok(Date.now() - started < 30_000);
      assert.equal(answer.suggestions[0]?.role, 'logs');
    });

    it('falls back on a 429, saying so', async () => {
      contract.script = { kind: 'rate-limited' };
      const answer = await service().suggest(alice, { text: 'read the service logs' });
      assert.equal(answer.source, 'offline');
      assert.equal(answer.fallback?.reason, 'the language model refused: rate limited (429)');
    });

    it("is refused by the contract server with a wrong key (the vendor's auth header is checked), and falls back", async () => {
      contract.script = { kind: 'answer', value: { role: 'logs', provider: 'box', duration: '', why: 'x' } };
      const answer = await service({ api_key: 'wrong-key' }).suggest(alice, { text: 'read the service logs' });
      assert.equal(answer.source, 'offline');
      assert.match(answer.fallback?.reason ?? '', /HTTP 40[01]/);
    });

    it('asks no model when the caller says llm: false', async () => {
      contract.received.length = 0;
      const answer = await service().suggest(alice, { text: 'read the service logs', llm: false });
      assert.equal(answer.source, 'offline');
      assert.equal(contract.received.length, 0);
    });
  });
}
