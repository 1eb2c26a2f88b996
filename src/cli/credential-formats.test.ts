import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { connectionUrl, credentialProcessDocument, envLines } from './credential-formats.js';
import { CliError } from './errors.js';

const credentials = {
  kind: 'aws' as const,
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: "wJalr/K7MDENG+bPxRfi'CY",
  sessionToken: 'FwoGZXIvYXdzE$(touch /tmp/x)`id`',
  expiration: '2026-12-04T21:00:00.000Z',
  region: 'eu-west-1',
};

describe('credential formats', () => {
  it('credential-process is the AWS CLI\'s version 1 document, with nothing else', () => {
    assert.deepEqual(credentialProcessDocument(credentials), {
      Version: 1,
      AccessKeyId: 'ASIAEXAMPLE',
      SecretAccessKey: "wJalr/K7MDENG+bPxRfi'CY",
      SessionToken: 'FwoGZXIvYXdzE$(touch /tmp/x)`id`',
      Expiration: '2026-12-04T21:00:00.000Z',
    });
  });

  it('env lines set exactly the values in a POSIX shell, expanding nothing', () => {
    const script = `${envLines(credentials).join('\n')}\nprintf '%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION" "$AWS_DEFAULT_REGION"`;
    const printed = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\n').slice(0, 6);
    assert.deepEqual(printed, [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken, credentials.expiration, 'eu-west-1', 'eu-west-1']);
  });

  it('env lines leave the region out when the provider names none', () => {
    const { region: _region, ...withoutRegion } = credentials;
    assert.deepEqual(envLines(withoutRegion).map((l) => l.split('=')[0]), ['export AWS_ACCESS_KEY_ID', 'export AWS_SECRET_ACCESS_KEY', 'export AWS_SESSION_TOKEN', 'export AWS_CREDENTIAL_EXPIRATION']);
  });

  const database = {
    kind: 'postgresql' as const,
    url: 'postgresql://lease_x:p%27w%24(id)@db.example.com:5432/orders?sslmode=verify-full',
    host: 'db.example.com',
    port: 5432,
    database: 'orders',
    username: 'lease_x',
    password: "p'w$(id)",
    expiration: '2026-12-04T21:00:00.000Z',
    sslmode: 'verify-full',
  };

  it('env lines for a database are libpq\'s variables, expanding nothing', () => {
    const script = `${envLines(database).join('\n')}\nprintf '%s\\n' "$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER" "$PGPASSWORD" "$PGSSLMODE"`;
    const printed = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\n').slice(0, 6);
    assert.deepEqual(printed, ['db.example.com', '5432', 'orders', 'lease_x', "p'w$(id)", 'verify-full']);
  });

  it('url is for database credentials, credential-process for AWS: anything else is bad usage', () => {
    assert.equal(connectionUrl(database), database.url);
    assert.throws(() => connectionUrl(credentials), (err) => err instanceof CliError && err.exitCode === 2 && /--format url is for database credentials; these are aws credentials/.test(err.message));
    assert.throws(() => credentialProcessDocument(database), (err) => err instanceof CliError && err.exitCode === 2 && /--format credential-process is for AWS credentials; these are postgresql credentials/.test(err.message));
  });
});
