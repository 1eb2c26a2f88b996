import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadedConfig } from '../../config/index.js';
import { requestRecord } from '../../store/temp-store.fake.js';
import { createAccessControl } from '../services/access-control.js';
import { resolveRecipients } from './recipients.js';

const users = {
  alice: { email: 'alice@example.com', groups: ['eng', 'ops'] },
  bob: { email: 'Bob@example.com', groups: ['ops'] },
  carol: { email: 'carol@example.com', groups: ['sales'] },
  dan: { groups: ['ops'] },
};

function config(): LoadedConfig {
  return {
    providers: new Map([['local', { id: 'local', name: 'Local', provider: 'local', configDir: '/', config: { users } }]]),
    roles: new Map([['admin', { id: 'admin', approvals: { approvers: [{ provider: 'local', group: 'ops' }, { provider: 'corp', email: 'erin@example.com' }], required: 1 } }]]),
    admins: [{ provider: 'local', user: 'carol' }],
  } as unknown as LoadedConfig;
}

const request = requestRecord({ identity: { id: 'alice', provider: 'local', provider_type: 'local', email: 'alice@example.com', email_verified: true, groups: ['eng', 'ops'] } });

describe('e-mail recipients', () => {
  it('mails the role\'s approvers with known addresses, never the requester', () => {
    const access = createAccessControl([]);
    assert.deepEqual(resolveRecipients(config(), access, request, 'approvers', true), ['erin@example.com', 'bob@example.com']);
    assert.deepEqual(resolveRecipients(config(), access, request, undefined, true), ['erin@example.com', 'bob@example.com']);
  });

  it('reads names and groups of local users, and addresses as given; only those who may decide get approval mails', () => {
    const access = createAccessControl([]);
    assert.deepEqual(resolveRecipients(config(), access, request, 'ops', true), ['bob@example.com']);
    assert.deepEqual(resolveRecipients(config(), access, request, ['carol', 'x@example.com'], true), ['x@example.com']);
    assert.deepEqual(resolveRecipients(config(), access, request, 'carol, x@example.com', false), ['carol@example.com', 'x@example.com']);
    assert.deepEqual(resolveRecipients(config(), access, request, 'alice@example.com', true), [], 'not the requester');
  });
});
