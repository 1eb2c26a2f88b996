// lease.validate with `validator: llm`: a real server whose services.llm points at an OpenAI
// contract server (src/llm/vendors/openai.fake.ts). The role's workflow branches on the verdict:
// "valid" → granted, "not valid" → denied; a model that does not answer in time leaves the
// static checks standing, with a note; without services.llm the same workflow grants, noted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenAiContract } from '../../src/llm/vendors/openai.fake.js';
import type { ContractServer } from '../../src/llm/vendors/contract-server.fake.js';
import { leaseJson, runLease, startServer, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';
import { createDeployment, loginAs, type Deployment } from './fixtures.js';

const API_KEY = 'llm-contract-key-Zp4Rk81';
registerTestSecret(API_KEY);

interface Request { id: string; status: string; outcome: { code: string } | null }

const JUDGED_WORKFLOW = `version: "1.0"
workflows:
  judged:
    name: Judged by the language model
    description: The reason must fit the role
    enabled: true
    workflow:
      document:
        dsl: "1.0.0-alpha5"
        namespace: lease
        name: judged
        version: "1.0.0"
      do:
        - validate:
            call: lease.validate
            with:
              validator: llm
        - decide:
            switch:
              - fits:
                  when: \${ .validation.valid == true }
                  then: authorize
              - refused:
                  then: end
        - authorize:
            call: lease.authorize
`;

const JUDGED_ROLE = `version: "1.0"
roles:
  judged-debug:
    name: Judged debug
    description: Read service logs
    workflow: judged
    permissions:
      allow: [/usr/bin/journalctl]
    scopes:
      groups: [eng]
    providers: [box]
    max_duration: 1h
`;

async function finalStatus(home: string, id: string): Promise<Request> {
  return waitUntil(`request ${id} to end its validation`, async () => {
    const r = await leaseJson<Request>(['status', id, '--json'], { LEASE_HOME: home });
    return r.status === 'pending' ? undefined : r;
  }, 60_000, 200);
}

describe('lease.validate with validator: llm', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let contract: ContractServer;
  const home = () => deployment.home('alice');
  const ask = async (reason: string) => leaseJson<Request>(['request', '--role', 'judged-debug', '--duration', '10m', '--reason', reason, '--json'], { LEASE_HOME: home() });

  before(async () => {
    contract = await startOpenAiContract(API_KEY);
    deployment = await createDeployment({ visudo: false });
    await writeFiles(deployment.config, {
      'judged-workflow.yaml': JUDGED_WORKFLOW,
      'judged-role.yaml': JUDGED_ROLE,
      'llm.yaml': `version: "1.0"\nservices:\n  llm:\n    provider: openai\n    model: gpt-4o-mini\n    api_key: \${LLM_KEY}\n    base_url: ${contract.url}/v1\n    timeout: 1s\n`,
    });
    server = await startServer({ config: deployment.config, data: deployment.data, env: { LLM_KEY: API_KEY } });
    await loginAs(deployment, server.url, 'alice');
  });

  after(async () => {
    await server?.stop();
    await contract?.close();
    await deployment?.cleanup();
  });

  it('grants when the model finds the reason fits the role', async () => {
    contract.script = { kind: 'answer', value: { valid: true, reason: 'reading logs fits debugging' } };
    const request = await finalStatus(home(), (await ask('INC-12 read the checkout service logs')).id);
    assert.equal(request.status, 'active');
    const sent = JSON.stringify(contract.received.at(-1));
    assert.ok(sent.includes('INC-12 read the checkout service logs') && sent.includes('judged-debug'), 'the model was asked about this reason and role');
    await runLease(['revoke', request.id], { env: { LEASE_HOME: home() } });
  });

  it('denies when the model finds it does not', async () => {
    contract.script = { kind: 'answer', value: { valid: false, reason: 'ordering lunch needs no log access' } };
    const request = await finalStatus(home(), (await ask('order lunch for the team')).id);
    assert.equal(request.status, 'denied');
    assert.equal(request.outcome?.code, 'not_granted');
  });

  it('keeps the static checks, with a note, when the model does not answer in time', async () => {
    contract.script = { kind: 'timeout' };
    const request = await finalStatus(home(), (await ask('read the logs again')).id);
    assert.equal(request.status, 'active');
    await waitUntil('the note in the server log', async () => (/"reason":"the language model did not answer in time".*no verdict from the language model, static checks only/.test(server.output) ? true : undefined));
    assert.ok(!server.output.includes(API_KEY), 'the API key is never logged');
    await runLease(['revoke', request.id], { env: { LEASE_HOME: home() } });
  });
});

describe('lease.validate with validator: llm and no model configured', () => {
  it('runs the static checks and grants, noting that no language model is configured', async () => {
    const deployment = await createDeployment({ visudo: false });
    await writeFiles(deployment.config, { 'judged-workflow.yaml': JUDGED_WORKFLOW, 'judged-role.yaml': JUDGED_ROLE });
    const server = await startServer({ config: deployment.config, data: deployment.data });
    try {
      await loginAs(deployment, server.url, 'alice');
      const home = deployment.home('alice');
      const created = await leaseJson<Request>(['request', '--role', 'judged-debug', '--duration', '10m', '--reason', 'logs', '--json'], { LEASE_HOME: home });
      const request = await finalStatus(home, created.id);
      assert.equal(request.status, 'active');
      await runLease(['revoke', request.id], { env: { LEASE_HOME: home } });
    } finally {
      await server.stop();
      await deployment.cleanup();
    }
  });
});
