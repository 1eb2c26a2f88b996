import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GrantRole } from '../provider.js';
import { objectGrantStatements, planGrant } from './grant-plan.js';

const role = (over: Partial<GrantRole>): GrantRole => ({ id: 'r', name: 'R', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: [], ...over });

describe('postgresql grant plan', () => {
  it('inherits group roles named with the type, its alias or the provider id', () => {
    const plan = planGrant(role({ nativeRoles: ['postgresql:readers', 'postgres:writers', 'pg-prod:auditors', 'azure:Reader', 'postgresql:readers'] }), 'pg-prod');
    assert.deepEqual(plan, { memberships: ['readers', 'writers', 'auditors'], privileges: [], objects: [] });
  });

  it('grants privileges on tables and schemas; deny wins', () => {
    const plan = planGrant(role({
      permissions: { allow: ['select', 'postgresql:INSERT', 'update', 'ec2:*'], deny: ['update'] },
      resources: { allow: ['postgresql:table/app.orders', 'postgresql:table/events', 'postgresql:schema/reports', 'postgresql:schema/secret', 'arn:aws:s3:::x'], deny: ['postgresql:schema/secret'] },
    }), 'pg');
    assert.deepEqual(plan.privileges, ['SELECT', 'INSERT']);
    assert.deepEqual(plan.objects, [{ kind: 'table', schema: 'app', table: 'orders' }, { kind: 'table', schema: 'public', table: 'events' }, { kind: 'schema', schema: 'reports' }]);
    assert.deepEqual(objectGrantStatements(plan, 'lease_x'), [
      'GRANT USAGE ON SCHEMA "app" TO "lease_x"',
      'GRANT USAGE ON SCHEMA "public" TO "lease_x"',
      'GRANT USAGE ON SCHEMA "reports" TO "lease_x"',
      'GRANT SELECT, INSERT ON TABLE "app"."orders" TO "lease_x"',
      'GRANT SELECT, INSERT ON TABLE "public"."events" TO "lease_x"',
      'GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA "reports" TO "lease_x"',
    ]);
  });

  it('quotes hostile names so they stay names', () => {
    const plan = planGrant(role({ permissions: { allow: ['all'], deny: [] }, resources: { allow: ['postgresql:table/a"; DROP ROLE x; --.t"'], deny: [] }, nativeRoles: ['postgresql:r"; DROP DATABASE app; --'] }), 'pg');
    assert.deepEqual(plan.memberships, ['r"; DROP DATABASE app; --']);
    assert.deepEqual(objectGrantStatements(plan, 'lease_x'), ['GRANT USAGE ON SCHEMA "a""; DROP ROLE x; --" TO "lease_x"', 'GRANT ALL PRIVILEGES ON TABLE "a""; DROP ROLE x; --"."t""" TO "lease_x"']);
  });

  it('refuses what it cannot map, naming the entry', () => {
    assert.throws(() => planGrant(role({}), 'pg'), /grants nothing on PostgreSQL/);
    assert.throws(() => planGrant(role({ permissions: { allow: ['drop'], deny: [] }, resources: { allow: ['postgresql:schema/s'], deny: [] } }), 'pg'), /permissions.allow entry "drop" is not a PostgreSQL table privilege/);
    assert.throws(() => planGrant(role({ permissions: { allow: ['select'], deny: [] }, resources: { allow: ['postgresql:table/*'], deny: [] } }), 'pg'), /resources.allow entry "table\/\*" is not a PostgreSQL resource/);
    assert.throws(() => planGrant(role({ permissions: { allow: ['select'], deny: [] } }), 'pg'), /no object to grant them on/);
    assert.throws(() => planGrant(role({ resources: { allow: ['postgresql:schema/s'], deny: [] } }), 'pg'), /no privilege on them/);
    assert.throws(() => planGrant(role({ nativeRoles: [`postgresql:${'r'.repeat(64)}`] }), 'pg'), /longer than 63 bytes/);
  });
});
