// A contract server for the Salesforce REST API calls the `salesforce` provider makes: nothing
// real runs here (Salesforce is a hosted service), so this in-process node:http server answers
// as the published references say, and refuses what Salesforce refuses. References followed:
// - OAuth 2.0 username-password flow and client-credentials flow (POST /services/oauth2/token;
//   answer without expires_in; 400 invalid_grant / invalid_client_id / invalid_client):
//   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_username_password_flow.htm
//   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
// - REST query (GET /services/data/vXX.X/query?q=, records with attributes, done /
//   nextRecordsUrl): https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm
// - sObject create / update / delete (201 {id, success, errors}, 204):
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm
//   .../dome_update_fields.htm, .../dome_delete_record.htm
// - REST status codes and error bodies ([{message, errorCode, fields}]; 401 INVALID_SESSION_ID,
//   403 REQUEST_LIMIT_EXCEEDED, 404 NOT_FOUND, 400 MALFORMED_QUERY / INVALID_FIELD):
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
// - PermissionSetAssignment (AssigneeId, PermissionSetId, ExpirationDate dateTime: Create,
//   Filter, Nillable, Update, API 52.0+; one assignment per user and permission set):
//   https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionsetassignment.htm
// - PermissionSet (Name: letters, digits, underscores, starting with a letter, no double
//   underscore, not ending with one, at most 80; Label; Description at most 255):
//   https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionset.htm
// - API request limits (REQUEST_LIMIT_EXCEEDED): https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
// What it checks: the OAuth credentials of both flows, the bearer session (401
// INVALID_SESSION_ID, also after expireSessions()), the API version (404 NOT_FOUND below 20.0,
// ExpirationDate unknown below 52.0), a small SOQL subset (SELECT fields FROM object WHERE
// Field = / LIKE / IN ... AND|OR ..., LIMIT; unknown fields are INVALID_FIELD), unknown ids (400
// on create, 404 on update/delete), duplicate assignments (DUPLICATE_VALUE), permission set
// names (DUPLICATE_DEVELOPER_NAME, FIELD_INTEGRITY_EXCEPTION), the integration user's
// permissions (INSUFFICIENT_ACCESS_OR_READONLY), and REQUEST_LIMIT_EXCEEDED on demand.
// Assignments whose ExpirationDate has passed are removed, as Salesforce's expiry job does.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSalesforceUser {
  Username: string;
  Email: string;
  IsActive?: boolean;
}

type Row = Record<string, unknown> & { Id: string };

export interface SalesforceContractOptions {
  username?: string;
  password?: string;
  securityToken?: string;
  clientId: string;
  clientSecret: string;
  users?: FakeSalesforceUser[];
  /** Permission set API names that exist. */
  permissionSets?: string[];
  /** Records per query page (Salesforce's default is 2000; tests lower it to exercise nextRecordsUrl). */
  batchSize?: number;
  now?: () => number;
}

const FIELDS: Record<string, string[]> = {
  User: ['Id', 'Username', 'Email', 'IsActive', 'Name'],
  PermissionSet: ['Id', 'Name', 'Label', 'Description', 'IsOwnedByProfile'],
  PermissionSetAssignment: ['Id', 'AssigneeId', 'PermissionSetId', 'PermissionSetGroupId', 'ExpirationDate', 'IsActive', 'SystemModstamp'],
};
const PREFIX: Record<string, string> = { User: '005', PermissionSet: '0PS', PermissionSetAssignment: '0Pa' };

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${status}`);
  }
}
const sfError = (status: number, errorCode: string, message: string, fields: string[] = []) => new ApiError(status, [{ message, errorCode, fields }]);

function sfId(object: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return `${PREFIX[object] ?? '001'}${[...randomBytes(15)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

export class SalesforceContractServer {
  readonly records: Record<string, Map<string, Row>> = { User: new Map(), PermissionSet: new Map(), PermissionSetAssignment: new Map() };
  /** Every request (method, path and query), for tests to see what was called. */
  readonly calls: string[] = [];
  /** Whether the integration user may assign permission sets and manage them (false: INSUFFICIENT_ACCESS_OR_READONLY). */
  canWrite = true;
  tokenRequests = 0;
  private holds: Array<{ matches: (method: string, path: string) => boolean; reached: () => void; released: Promise<void> }> = [];
  private limited = 0;
  private readonly sessions = new Set<string>();
  private readonly cursors = new Map<string, Row[]>();
  private readonly now: () => number;
  private server?: Server;
  private base = '';

  constructor(private readonly options: SalesforceContractOptions) {
    this.now = options.now ?? Date.now;
    for (const user of options.users ?? []) this.insert('User', { Username: user.Username, Email: user.Email, IsActive: user.IsActive ?? true, Name: user.Username });
    for (const name of options.permissionSets ?? []) this.insert('PermissionSet', { Name: name, Label: name, Description: null, IsOwnedByProfile: false });
  }

  /** The `domain` to configure (a loopback URL). */
  get domain(): string {
    return this.base;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  insert(object: string, fields: Record<string, unknown>): Row {
    const row: Row = { ...fields, Id: sfId(object) };
    this.records[object]?.set(row.Id, row);
    return row;
  }

  idOf(object: 'User' | 'PermissionSet', field: 'Username' | 'Name', value: string): string | undefined {
    return [...(this.records[object]?.values() ?? [])].find((r) => r[field] === value)?.Id;
  }

  /** Live assignments (expired ones removed), as `Username → permission set Name` pairs. */
  assignmentsView(): Array<{ user: string; set: string; expires: string | null }> {
    this.expire();
    return [...this.records.PermissionSetAssignment!.values()].map((a) => ({
      user: this.records.User!.get(a.AssigneeId as string)?.Username as string,
      set: this.records.PermissionSet!.get(a.PermissionSetId as string)?.Name as string,
      expires: (a.ExpirationDate as string | null) ?? null,
    }));
  }

  /** Every session token stops working (Salesforce's session timeout): the next call is 401 INVALID_SESSION_ID. */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** The next `count` API calls answer 403 REQUEST_LIMIT_EXCEEDED. */
  limit(count: number): void {
    this.limited = count;
  }

  holdAnswer(method: string, path: RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ matches: (m, p) => m === method && path.test(p), reached, released });
    return { reached: reachedPromise, release };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const method = req.method ?? 'GET';
    this.calls.push(`${method} ${url.pathname}${url.search}`);
    let body = '';
    for await (const chunk of req) body += String(chunk);
    try {
      const answer = url.pathname === '/services/oauth2/token' ? this.token(method, body) : this.api(req, method, url, body);
      const hold = this.holds.find((h) => h.matches(method, url.pathname));
      if (hold) {
        this.holds = this.holds.filter((h) => h !== hold);
        hold.reached();
        await hold.released;
      }
      const status = answer.status ?? 200;
      if (answer.body === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(answer.body));
    } catch (err) {
      const error = err instanceof ApiError ? err : sfError(500, 'UNKNOWN_EXCEPTION', String(err));
      res.writeHead(error.status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(error.body));
    }
  }

  private token(method: string, body: string): { status?: number; body?: unknown } {
    this.tokenRequests++;
    const oauth = (error: string, description: string) => new ApiError(400, { error, error_description: description });
    if (method !== 'POST') throw oauth('invalid_request', 'must use HTTP POST');
    const form = new URLSearchParams(body);
    const grant = form.get('grant_type');
    if (grant !== 'password' && grant !== 'client_credentials') throw oauth('unsupported_grant_type', 'grant type not supported');
    if (form.get('client_id') !== this.options.clientId) throw oauth('invalid_client_id', 'client identifier invalid');
    if (form.get('client_secret') !== this.options.clientSecret) throw oauth('invalid_client', 'invalid client credentials');
    if (grant === 'password') {
      const expected = `${this.options.password ?? ''}${this.options.securityToken ?? ''}`;
      if (this.options.username === undefined || form.get('username') !== this.options.username || form.get('password') !== expected) throw oauth('invalid_grant', 'authentication failure');
    }
    const session = `00D${randomBytes(6).toString('hex')}!${randomBytes(24).toString('base64url')}`;
    this.sessions.add(session);
    return { body: { access_token: session, instance_url: this.base, id: `${this.base}/id/00Dxx0000000001/005xx0000000001`, token_type: 'Bearer', issued_at: String(this.now()), signature: randomBytes(32).toString('base64') } };
  }

  private api(req: IncomingMessage, method: string, url: URL, body: string): { status?: number; body?: unknown } {
    const session = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!session || !this.sessions.has(session)) throw sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (this.limited > 0) {
      this.limited--;
      throw sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    const m = /^\/services\/data\/v(\d+\.\d)\/(query|sobjects\/([A-Za-z]+)(?:\/([A-Za-z0-9]+))?)$/.exec(url.pathname);
    if (!m) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const version = Number(m[1]);
    if (version < 20) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    this.expire();
    if (m[2] === 'query') {
      if (method !== 'GET') throw sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET`);
      const cursor = url.searchParams.get('cursor');
      if (cursor) return { body: this.pageOf(cursor, url) };
      return { body: this.query(url.searchParams.get('q') ?? '', version, url) };
    }
    const object = m[3] as string;
    const id = m[4];
    const table = this.records[object];
    if (!table) throw sfError(404, 'NOT_FOUND', `The requested resource does not exist`);
    const json = () => {
      try {
        return JSON.parse(body) as Record<string, unknown>;
      } catch {
        throw sfError(400, 'JSON_PARSER_ERROR', 'Unexpected character in the request body');
      }
    };
    if (id === undefined && method === 'POST') return this.create(object, json(), version);
    if (id !== undefined) {
      const row = table.get(id);
      if (!row) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (method === 'GET') return { body: { attributes: { type: object, url: `${url.pathname}` }, ...row } };
      if (!this.canWrite) throw sfError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', `insufficient access rights on object id (the user needs Assign Permission Sets / Manage Profiles and Permission Sets)`);
      if (method === 'PATCH') {
        const fields = json();
        for (const key of Object.keys(fields)) {
          if (!FIELDS[object]?.includes(key) || key === 'Id') throw sfError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${object}`, [key]);
          if (object === 'PermissionSetAssignment' && key !== 'ExpirationDate') throw sfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${key}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, [key]);
        }
        if ('ExpirationDate' in fields) this.checkExpiration(fields.ExpirationDate, version);
        Object.assign(row, fields);
        return { status: 204 };
      }
      if (method === 'DELETE') {
        table.delete(id);
        return { status: 204 };
      }
    }
    throw sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed.`);
  }

  private checkExpiration(value: unknown, version: number): void {
    if (version < 52) throw sfError(400, 'INVALID_FIELD', "No such column 'ExpirationDate' on sobject of type PermissionSetAssignment", ['ExpirationDate']);
    if (value !== null && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) throw sfError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of datetime from VALUE_STRING value ${String(value)}`);
  }

  private create(object: string, fields: Record<string, unknown>, version: number): { status: number; body: unknown } {
    if (!this.canWrite) throw sfError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on cross-reference id');
    for (const key of Object.keys(fields)) if (!FIELDS[object]?.includes(key) || key === 'Id') throw sfError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${object}`, [key]);
    if (object === 'PermissionSetAssignment') {
      const { AssigneeId: user, PermissionSetId: set } = fields;
      if (typeof user !== 'string' || !this.records.User!.has(user)) throw sfError(400, 'FIELD_INTEGRITY_EXCEPTION', `Assignee ID: id value of incorrect type: ${String(user)}`, ['AssigneeId']);
      if (typeof set !== 'string' || !this.records.PermissionSet!.has(set)) throw sfError(400, 'FIELD_INTEGRITY_EXCEPTION', `Permission Set ID: id value of incorrect type: ${String(set)}`, ['PermissionSetId']);
      if ('ExpirationDate' in fields) this.checkExpiration(fields.ExpirationDate, version);
      if ([...this.records.PermissionSetAssignment!.values()].some((a) => a.AssigneeId === user && a.PermissionSetId === set)) {
        throw sfError(400, 'DUPLICATE_VALUE', 'duplicate value found: <unknown> duplicates value on record with id: <unknown>');
      }
      const row = this.insert(object, { ExpirationDate: null, IsActive: true, ...fields, SystemModstamp: new Date(this.now()).toISOString() });
      return { status: 201, body: { id: row.Id, success: true, errors: [] } };
    }
    if (object === 'PermissionSet') {
      const name = fields.Name;
      if (typeof name !== 'string' || !/^[A-Za-z](?!.*__)[A-Za-z0-9_]{0,79}$/.test(name) || name.endsWith('_')) {
        throw sfError(400, 'FIELD_INTEGRITY_EXCEPTION', 'The API Name can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.', ['Name']);
      }
      if (typeof fields.Label !== 'string' || fields.Label === '' || fields.Label.length > 80) throw sfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Label]', ['Label']);
      if (typeof fields.Description === 'string' && fields.Description.length > 255) throw sfError(400, 'STRING_TOO_LONG', 'Description: data value too large', ['Description']);
      if ([...this.records.PermissionSet!.values()].some((p) => String(p.Name).toLowerCase() === name.toLowerCase())) throw sfError(400, 'DUPLICATE_DEVELOPER_NAME', 'The API name you entered is already in use.', ['Name']);
      const row = this.insert(object, { Description: null, ...fields, IsOwnedByProfile: false });
      return { status: 201, body: { id: row.Id, success: true, errors: [] } };
    }
    throw sfError(400, 'INVALID_TYPE', `sObject type '${object}' is not supported here.`);
  }

  /** Salesforce's expiry job: assignments whose ExpirationDate has passed are gone. */
  private expire(): void {
    for (const [id, a] of this.records.PermissionSetAssignment!) {
      if (typeof a.ExpirationDate === 'string' && Date.parse(a.ExpirationDate) <= this.now()) this.records.PermissionSetAssignment!.delete(id);
    }
  }

  /** The SOQL subset: SELECT f, f FROM Object [WHERE cond (AND|OR cond)*] [LIMIT n]; cond: Field = 'v' | Field LIKE 'v' | Field IN ('v', ...) | Field = true|false|null. */
  private query(soql: string, version: number, url: URL): unknown {
    const m = /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+LIMIT\s+(\d+))?\s*$/is.exec(soql);
    if (!m) throw sfError(400, 'MALFORMED_QUERY', `unexpected token in query: ${soql.slice(0, 80)}`);
    const object = m[2] as string;
    const known = FIELDS[object];
    if (!known) throw sfError(400, 'INVALID_TYPE', `sObject type '${object}' is not supported.`);
    const allowed = version < 52 && object === 'PermissionSetAssignment' ? known.filter((f) => f !== 'ExpirationDate' && f !== 'IsActive') : known;
    const fields = (m[1] as string).split(',').map((f) => f.trim());
    for (const f of fields) if (!allowed.includes(f)) throw sfError(400, 'INVALID_FIELD', `No such column '${f}' on entity '${object}'.`);
    let rows = [...(this.records[object]?.values() ?? [])];
    if (m[3]) rows = rows.filter(this.whereOf(m[3], allowed, object));
    if (m[4]) rows = rows.slice(0, Number(m[4]));
    const projected = rows.map((r) => ({ attributes: { type: object, url: `/services/data/v${version.toFixed(1)}/sobjects/${object}/${r.Id}` }, ...Object.fromEntries(fields.map((f) => [f, r[f] ?? null])) }));
    const cursor = randomBytes(8).toString('hex');
    this.cursors.set(cursor, projected as unknown as Row[]);
    return this.pageOf(cursor, url, 0, rows.length);
  }

  private pageOf(cursor: string, url: URL, offset = Number(url.searchParams.get('offset') ?? '0'), total?: number): unknown {
    const all = this.cursors.get(cursor);
    if (!all) throw sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const size = this.options.batchSize ?? 2000;
    const records = all.slice(offset, offset + size);
    const done = offset + size >= all.length;
    const version = /\/v(\d+\.\d)\//.exec(url.pathname)?.[1] ?? '62.0';
    return { totalSize: total ?? all.length, done, records, ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query?cursor=${cursor}&offset=${offset + size}` }) };
  }

  private whereOf(where: string, allowed: string[], object: string): (row: Row) => boolean {
    const parts = where.split(/\s+(AND|OR)\s+/i);
    const conds: Array<(row: Row) => boolean> = [];
    const ops: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 1) {
        ops.push((parts[i] as string).toUpperCase());
        continue;
      }
      const c = /^\s*(\w+)\s*(=|LIKE|IN)\s*(.+?)\s*$/i.exec(parts[i] as string);
      if (!c) throw sfError(400, 'MALFORMED_QUERY', `unexpected token: ${parts[i]}`);
      const [, field, op, raw] = c as unknown as [string, string, string, string];
      if (!allowed.includes(field)) throw sfError(400, 'INVALID_FIELD', `No such column '${field}' on entity '${object}'.`);
      const literal = (text: string): unknown => {
        const s = /^'((?:[^'\\]|\\.)*)'$/.exec(text.trim());
        if (s) return (s[1] as string).replace(/\\(.)/g, (_all, ch: string) => (ch === '_' || ch === '%' ? `\\${ch}` : ch));
        if (/^(true|false)$/i.test(text.trim())) return text.trim().toLowerCase() === 'true';
        if (/^null$/i.test(text.trim())) return null;
        throw sfError(400, 'MALFORMED_QUERY', `unexpected token: ${text}`);
      };
      const unescape = (v: unknown) => (typeof v === 'string' ? v.replace(/\\([_%])/g, '$1') : v);
      if (op.toUpperCase() === '=') {
        const value = unescape(literal(raw));
        conds.push((row) => (typeof value === 'string' && typeof row[field] === 'string' ? (row[field] as string).toLowerCase() === value.toLowerCase() : (row[field] ?? null) === value));
      } else if (op.toUpperCase() === 'IN') {
        const list = /^\((.*)\)$/.exec(raw.trim());
        if (!list) throw sfError(400, 'MALFORMED_QUERY', `unexpected token: ${raw}`);
        const values = (list[1] as string).split(',').map((v) => unescape(literal(v)));
        conds.push((row) => values.includes(row[field]));
      } else {
        const pattern = literal(raw);
        if (typeof pattern !== 'string') throw sfError(400, 'MALFORMED_QUERY', 'LIKE needs a string');
        // SOQL LIKE: % any characters, _ one character, \% and \_ themselves; case-insensitive.
        const regex = new RegExp(`^${pattern.replace(/\\([_%])|([%_])|([.*+?^${}()|[\]\\/])/g, (_all, escaped: string | undefined, wild: string | undefined, special: string | undefined) => (escaped ? `\\${escaped}` : wild === '%' ? '.*' : wild === '_' ? '.' : `\\${special}`))}$`, 'i');
        conds.push((row) => typeof row[field] === 'string' && regex.test(row[field] as string));
      }
    }
    return (row) => {
      let result = (conds[0] as (r: Row) => boolean)(row);
      for (let i = 0; i < ops.length; i++) result = ops[i] === 'AND' ? result && (conds[i + 1] as (r: Row) => boolean)(row) : result || (conds[i + 1] as (r: Row) => boolean)(row);
      return result;
    };
  }
}
