import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminTarget, clientTarget, postgresqlConfigSchema, sslModeOf } from './config.js';
import { postgresqlProviderFactory } from './provider.js';

const issues = (input: unknown) => {
  const result = postgresqlConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('postgresql provider config', () => {
  it('accepts an admin url, and a password given separately or as a file', () => {
    assert.deepEqual(issues({ url: 'postgresql://lease_admin@db.example.com:5432/app' }), []);
    assert.deepEqual(issues({ url: 'postgres://lease_admin@127.0.0.1/app', password: 's3cret' }), []);
    assert.deepEqual(issues({ url: 'postgresql://lease_admin@db.example.com/app?sslmode=verify-full', password_file: 'pg-password', ca: 'ca.pem', client: { host: 'db.public.example.com', port: 6432 } }), []);
  });

  it('refuses unknown keys and bad urls, saying where', () => {
    assert.match(issues({ url: 'postgresql://a@h/db', host: 'x' }).join('\n'), /Unrecognized key.*host/);
    assert.match(issues({}).join('\n'), /^url: the admin connection url is required/);
    assert.match(issues({ url: 'mysql://a@h/db' }).join('\n'), /^url: expected a postgresql:\/\/ or postgres:\/\/ URL/);
    assert.match(issues({ url: 'postgresql://h/db' }).join('\n'), /^url: expected the admin role as the URL's user name/);
    assert.match(issues({ url: 'postgresql://a@h/db?application_name=x' }).join('\n'), /query parameter "application_name" is not supported/);
    assert.match(issues({ url: 'postgresql://a@h/db?sslmode=prefer' }).join('\n'), /sslmode=prefer is not supported/);
    assert.match(issues({ url: 'postgresql://a@h/db', client: { port: 0 } }).join('\n'), /^client\.port:/);
  });

  it('takes the admin password from one place only', () => {
    assert.match(issues({ url: 'postgresql://a@h/db', password: 'x', password_file: 'f' }).join('\n'), /^password_file: give the admin password as password or password_file, not both/);
    assert.match(issues({ url: 'postgresql://a:pw@h/db', password: 'x' }).join('\n'), /^password: the url already carries a password/);
  });

  it('verifies TLS by default, except on a loopback address', () => {
    const parse = (input: object) => postgresqlConfigSchema.parse(input);
    assert.equal(sslModeOf(parse({ url: 'postgresql://a@db.example.com/app' })), 'verify-full');
    assert.equal(sslModeOf(parse({ url: 'postgresql://a@127.0.0.1/app' })), 'disable');
    assert.equal(sslModeOf(parse({ url: 'postgresql://a@db.example.com/app?sslmode=require' })), 'require');
    assert.match(issues({ url: 'postgresql://a@h/db?sslmode=require', ssl: 'disable' }).join('\n'), /^ssl: the url says sslmode=require/);
    assert.match(issues({ url: 'postgresql://a@h/db', ssl: 'require', ca: 'ca.pem' }).join('\n'), /^ca: a CA file is used only with ssl: verify-full/);
  });

  it('warns when TLS is off to another host, or not verified', () => {
    const warn = (input: object) => postgresqlProviderFactory.configWarnings!(postgresqlConfigSchema.parse(input)).map((w) => `${w.path.join('.')}: ${w.message}`);
    assert.match(warn({ url: 'postgresql://a@db.example.com/app', ssl: 'disable' }).join(), /^ssl: TLS is off to db.example.com/);
    assert.match(warn({ url: 'postgresql://a@db.example.com/app', ssl: 'require' }).join(), /does not verify/);
    assert.deepEqual(warn({ url: 'postgresql://a@127.0.0.1/app' }), []);
  });

  it('says where requesters connect: client over the admin url', () => {
    const config = postgresqlConfigSchema.parse({ url: 'postgresql://adm%40in@[::1]/my%20db', client: { host: 'public.example.com' } });
    assert.deepEqual(adminTarget(config), { host: '::1', port: 5432, database: 'my db', user: 'adm@in' });
    assert.deepEqual(clientTarget(config), { host: 'public.example.com', port: 5432, database: 'my db' });
    assert.equal(adminTarget(postgresqlConfigSchema.parse({ url: 'postgresql://a@h' })).database, 'postgres');
  });
});
