// What a role asks of PostgreSQL, as a plan of memberships and object privileges; pure, so the
// mapping is tested without a database. The mapping (also in docs/providers/postgresql.md):
//   inherits: [postgresql:<role>]                → GRANT "<role>" TO the lease role
//   permissions.allow: [select, insert, ...]      → the privileges granted on every resource
//   resources.allow: [postgresql:table/<s>.<t>]   → GRANT <privileges> ON TABLE "<s>"."<t>" (+ USAGE ON SCHEMA "<s>")
//   resources.allow: [postgresql:schema/<s>]      → GRANT <privileges> ON ALL TABLES IN SCHEMA "<s>" (+ USAGE)
// deny entries remove what allow names (deny wins). `postgres:` and `<provider id>:` prefixes
// are accepted too; entries with another provider's prefix are not this provider's and are skipped.
import type { GrantRole } from '../provider.js';
import { TargetRefused } from '../cloud/index.js';
import { ident } from './sql.js';

/** Table privileges, as GRANT spells them. `all` stands for every one of them. */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
export type TablePrivilege = (typeof TABLE_PRIVILEGES)[number];

export type GrantObject = { kind: 'table'; schema: string; table: string } | { kind: 'schema'; schema: string };

export interface GrantPlan {
  /** Group roles the lease role becomes a member of. */
  memberships: string[];
  privileges: TablePrivilege[];
  objects: GrantObject[];
}

const TYPE_PREFIXES = ['postgresql', 'postgres'];

/** The entries meant for this provider, without their prefix: unprefixed ones, and those prefixed with its type or id. */
function ours(entries: string[], providerId: string): string[] {
  const prefixes = [...TYPE_PREFIXES, providerId];
  return entries.flatMap((entry) => {
    const colon = entry.indexOf(':');
    if (colon < 0) return [entry.trim()];
    const prefix = entry.slice(0, colon);
    return prefixes.includes(prefix) ? [entry.slice(colon + 1).trim()] : [];
  });
}

/** `inherits` entries name native roles only with a prefix (GrantRole.nativeRoles keeps `<provider>:<name>`). */
function nativeRolesOf(role: GrantRole, providerId: string): string[] {
  const prefixes = [...TYPE_PREFIXES, providerId];
  return role.nativeRoles.flatMap((entry) => {
    const colon = entry.indexOf(':');
    return colon > 0 && prefixes.includes(entry.slice(0, colon)) ? [entry.slice(colon + 1).trim()] : [];
  });
}

function privilegesOf(entries: string[], what: string): Set<TablePrivilege> {
  const out = new Set<TablePrivilege>();
  for (const entry of entries) {
    const upper = entry.toUpperCase();
    if (upper === 'ALL' || upper === 'ALL PRIVILEGES' || upper === '*') TABLE_PRIVILEGES.forEach((p) => out.add(p));
    else if ((TABLE_PRIVILEGES as readonly string[]).includes(upper)) out.add(upper as TablePrivilege);
    else throw new TargetRefused('target_refused', `${what} "${entry}" is not a PostgreSQL table privilege (expected ${TABLE_PRIVILEGES.map((p) => p.toLowerCase()).join(', ')} or all)`);
  }
  return out;
}

function objectOf(entry: string, what: string): GrantObject {
  const slash = entry.indexOf('/');
  const kind = slash < 0 ? '' : entry.slice(0, slash);
  const name = slash < 0 ? '' : entry.slice(slash + 1);
  if (kind === 'schema' && name !== '' && !name.includes('*')) return { kind: 'schema', schema: name };
  if (kind === 'table' && name !== '' && !name.includes('*')) {
    const dot = name.indexOf('.');
    const schema = dot < 0 ? 'public' : name.slice(0, dot);
    const table = dot < 0 ? name : name.slice(dot + 1);
    if (schema !== '' && table !== '') return { kind: 'table', schema, table };
  }
  throw new TargetRefused('target_refused', `${what} "${entry}" is not a PostgreSQL resource (expected postgresql:table/<schema>.<table> or postgresql:schema/<schema>; no wildcards)`);
}

const objectKey = (o: GrantObject) => (o.kind === 'table' ? `table/${o.schema}.${o.table}` : `schema/${o.schema}`);

/** The plan for a role; refuses, naming the entry, what it cannot map, and a role that grants nothing. */
export function planGrant(role: GrantRole, providerId: string): GrantPlan {
  const where = `role "${role.id}"`;
  const memberships = [...new Set(nativeRolesOf(role, providerId))];
  for (const m of memberships) ident(m);
  const denied = privilegesOf(ours(role.permissions.deny, providerId), `${where}: permissions.deny entry`);
  const privileges = TABLE_PRIVILEGES.filter((p) => privilegesOf(ours(role.permissions.allow, providerId), `${where}: permissions.allow entry`).has(p) && !denied.has(p));
  const deniedObjects = new Set(ours(role.resources.deny, providerId).map((e) => objectKey(objectOf(e, `${where}: resources.deny entry`))));
  const objects = [...new Map(ours(role.resources.allow, providerId).map((e) => objectOf(e, `${where}: resources.allow entry`)).map((o) => [objectKey(o), o])).values()].filter((o) => !deniedObjects.has(objectKey(o)));
  for (const o of objects) {
    ident(o.schema);
    if (o.kind === 'table') ident(o.table);
  }
  if (objects.length > 0 && privileges.length === 0) throw new TargetRefused('target_refused', `${where} names PostgreSQL resources but no privilege on them: add permissions.allow (e.g. [select])`);
  if (privileges.length > 0 && objects.length === 0 && ours(role.permissions.allow, providerId).length > 0) {
    throw new TargetRefused('target_refused', `${where} names PostgreSQL privileges but no object to grant them on: add resources.allow (postgresql:table/<schema>.<table> or postgresql:schema/<schema>)`);
  }
  if (memberships.length === 0 && objects.length === 0) {
    throw new TargetRefused('target_refused', `${where} grants nothing on PostgreSQL: add inherits: [postgresql:<group role>], or permissions.allow with resources.allow (postgresql:table/<schema>.<table>)`);
  }
  return { memberships, privileges: objects.length > 0 ? privileges : [], objects };
}

/** The GRANT statements of the plan's object privileges, every identifier quoted. */
export function objectGrantStatements(plan: GrantPlan, roleName: string): string[] {
  if (plan.objects.length === 0) return [];
  const grantee = ident(roleName);
  const privileges = plan.privileges.length === TABLE_PRIVILEGES.length ? 'ALL PRIVILEGES' : plan.privileges.join(', ');
  const schemas = [...new Set(plan.objects.map((o) => o.schema))];
  return [
    ...schemas.map((s) => `GRANT USAGE ON SCHEMA ${ident(s)} TO ${grantee}`),
    ...plan.objects.map((o) => (o.kind === 'table' ? `GRANT ${privileges} ON TABLE ${ident(o.schema)}.${ident(o.table)} TO ${grantee}` : `GRANT ${privileges} ON ALL TABLES IN SCHEMA ${ident(o.schema)} TO ${grantee}`)),
  ];
}
