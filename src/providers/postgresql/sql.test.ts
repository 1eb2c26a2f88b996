import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { describeLeaseRole, ident, leaseRoleName, literal, parseLeaseRoleComment, scramVerifier } from './sql.js';

describe('postgresql SQL text', () => {
  it('quotes identifiers and literals exactly as pg does', () => {
    for (const value of ['plain', 'Mixed Case', 'a"b', '"; DROP ROLE postgres; --', "it's", 'back\\slash', 'ünïcödé']) {
      assert.equal(ident(value), pg.escapeIdentifier(value));
      assert.equal(literal(value), pg.escapeLiteral(value));
    }
  });

  it('refuses identifiers PostgreSQL would truncate or cannot store', () => {
    assert.throws(() => ident('x'.repeat(64)), /longer than 63 bytes/);
    assert.equal(ident('x'.repeat(63)), `"${'x'.repeat(63)}"`);
    assert.throws(() => ident('é'.repeat(32)), /longer than 63 bytes/);
    assert.throws(() => ident('a\0b'), /NUL/);
    assert.throws(() => ident(''), /empty/);
  });

  it('names a lease role after its request id, deterministically and within 63 bytes', () => {
    assert.equal(leaseRoleName('req_01jd8x3k9q7m2v5n4p6r8t0w1y'), 'lease_01jd8x3k9q7m2v5n4p6r8t0w1y');
    assert.equal(leaseRoleName('req_01jd8x3k9q7m2v5n4p6r8t0w1y'), leaseRoleName('req_01jd8x3k9q7m2v5n4p6r8t0w1y'));
    const odd = leaseRoleName('req_"; DROP ROLE x; --');
    assert.match(odd, /^lease_h[0-9a-f]{48}$/);
    assert.notEqual(leaseRoleName('req_ABC'), leaseRoleName('req_abc'));
    assert.ok(Buffer.byteLength(leaseRoleName('r'.repeat(500))) <= 63);
  });

  it('reads back only the comments Lease wrote', () => {
    const tag = { provider: 'pg-prod', request: 'req_x' };
    assert.deepEqual(parseLeaseRoleComment(describeLeaseRole(tag)), tag);
    for (const other of [null, '', 'made by hand', 'lease:not json', 'lease:{"provider":1,"request":"x"}']) assert.equal(parseLeaseRoleComment(other), undefined);
  });

  it('makes a SCRAM-SHA-256 verifier in the form PostgreSQL stores', () => {
    // RFC 7677's test vector: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ== (4096 iterations).
    const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    assert.equal(verifier, 'SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=');
  });
});
