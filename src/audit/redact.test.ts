import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets } from './redact.js';

test('replaces the values of secret-looking keys, whatever their case or type', () => {
  const redacted = redactSecrets({
    password: 'hunter2',
    Passwd: 'x',
    client_secret: 's',
    id_token: 't',
    Authorization: 'Bearer x',
    cookie: 'sid=1',
    private_key: { pem: '...' },
    privateKey: 'k',
    api_key: 'k',
    ApiKey: 'k',
    credentials: ['a'],
    user: 'alice',
  });
  assert.deepEqual(redacted, {
    password: '[redacted]',
    Passwd: '[redacted]',
    client_secret: '[redacted]',
    id_token: '[redacted]',
    Authorization: '[redacted]',
    cookie: '[redacted]',
    private_key: '[redacted]',
    privateKey: '[redacted]',
    api_key: '[redacted]',
    ApiKey: '[redacted]',
    credentials: '[redacted]',
    user: 'alice',
  });
});

test('redacts at every depth, including objects inside arrays', () => {
  const redacted = redactSecrets({ a: { b: [{ token: 'x', keep: 1 }, 'plain'] } });
  assert.deepEqual(redacted, { a: { b: [{ token: '[redacted]', keep: 1 }, 'plain'] } });
});

test('does not change the input', () => {
  const input = { nested: { secret: 's' } };
  redactSecrets(input);
  assert.deepEqual(input, { nested: { secret: 's' } });
});

test('leaves non-secret data and primitives untouched', () => {
  const data = { role: 'admin', duration_ms: 3600000, groups: ['ops'], at: new Date(0), none: null };
  assert.deepEqual(redactSecrets(data), data);
  assert.equal(redactSecrets('password'), 'password');
});
