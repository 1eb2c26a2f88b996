// The sudoers text Lease writes, and the rules that keep it safe. Pure: no I/O.
//
// One grant = one drop-in file `lease-<request id>` holding a comment header and one rule:
//   <account> ALL=(<run_as>) NOTAFTER=<expiry> NOPASSWD: <commands>
// NOTAFTER makes sudo itself stop honouring the rule at the lease's expiry, even if Lease is
// down and never revokes.
import type { Identity } from '../../core/index.js';
import { isSafeId } from '../../core/index.js';
import { SudoGrantRefused } from './errors.js';

/** POSIX-ish account name, at most 32 characters (useradd's limit). */
export const ACCOUNT_PATTERN = /^(?=.{1,32}$)[a-z_][a-z0-9_-]*\$?$/;
const NAME = '[a-z_][a-z0-9_-]*\\$?';
/** `ALL`, a user, or `user:group` (either side may be ALL). */
export const RUN_AS_PATTERN = new RegExp(`^(ALL|${NAME})(:(ALL|${NAME}))?$`);

/** Drop-in names sudo reads. Sudo skips names containing a `.`, so temp files start with one. */
const GRANT_FILE_PATTERN = /^lease-([a-z]{1,12}_[0-9a-z]{26})$/;

/**
 * A command is an absolute path, then optional arguments separated by single spaces.
 * Path segments use [A-Za-z0-9._+-] (no `.` or `..` segment, no trailing `/`, which sudo reads
 * as "every command in this directory"). Arguments use [A-Za-z0-9._+/@%-], or are the single
 * argument `""` (sudo: "no arguments allowed"). Everything else is refused: characters sudoers
 * treats as syntax (`,` `:` `=` `\` `#` `!` quotes, whitespace other than single spaces,
 * newlines) and glob characters (`*` `?` `[`), whose sudo matching is wider than it looks.
 */
const PATH_PATTERN = /^(\/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+$/;
const ARG_PATTERN = /^[A-Za-z0-9._+/@%-]+$/;
const MAX_COMMAND_LENGTH = 1024;

export function grantFileName(requestId: string): string {
  assertRequestId(requestId);
  return `lease-${requestId}`;
}

export function tempFileName(requestId: string): string {
  assertRequestId(requestId);
  return `.lease-${requestId}.tmp`;
}

/** The request id a drop-in belongs to, or null when the file is not Lease's. */
export function requestIdOfFile(name: string): string | null {
  return GRANT_FILE_PATTERN.exec(name)?.[1] ?? null;
}

/** Request ids become file names: only ids made by core's newId are accepted. */
export function assertRequestId(requestId: string): void {
  if (!isSafeId(requestId)) {
    throw new SudoGrantRefused('sudo_invalid_request_id', `request id ${JSON.stringify(requestId)} is not a Lease id (expected e.g. req_01…, lower-case letters and digits)`, 'requestId');
  }
}

/** The local account for an identity: `accounts[id]`, then `accounts[email]`, else the id itself. */
export function accountFor(identity: Identity, accounts: Record<string, string>): string {
  const mapped =
    (Object.hasOwn(accounts, identity.id) ? accounts[identity.id] : undefined) ??
    (identity.email !== undefined && Object.hasOwn(accounts, identity.email) ? accounts[identity.email] : undefined);
  const account = mapped ?? identity.id;
  if (!ACCOUNT_PATTERN.test(account)) {
    throw new SudoGrantRefused(
      'sudo_invalid_account',
      `${JSON.stringify(account)} is not a valid local account name (expected [a-z_][a-z0-9_-]*, at most 32 chars); map identity ${JSON.stringify(identity.id)} to an account under the provider's \`accounts\``,
      'identity',
    );
  }
  return account;
}

interface Command {
  path: string;
  /** Arguments as written, already normalised to single spaces; '' when none. */
  args: string;
}

function commandProblem(raw: string, path: string | undefined, args: string[]): string | null {
  if (raw.length > MAX_COMMAND_LENGTH) return `is longer than ${MAX_COMMAND_LENGTH} characters`;
  if (/[^ -~]/.test(raw)) return 'contains a newline, tab, control or non-ASCII character';
  if (path === undefined) return 'is empty';
  if (!path.startsWith('/')) return 'is not an absolute path (or ALL)';
  if (!PATH_PATTERN.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    return 'has a path with characters or segments that are not allowed (only A-Z a-z 0-9 . _ + - between slashes)';
  }
  const noArgsMarker = args.length === 1 && args[0] === '""';
  if (!noArgsMarker && args.some((a) => !ARG_PATTERN.test(a))) {
    return 'has an argument with characters that are not allowed (only A-Z a-z 0-9 . _ + / @ % -, or the single argument "")';
  }
  return null;
}

function parseCommand(raw: string, field: string): Command {
  const [path, ...args] = raw.trim().split(' ').filter((t) => t !== '');
  const problem = commandProblem(raw, path, args);
  if (problem !== null || path === undefined) {
    throw new SudoGrantRefused('sudo_invalid_command', `command ${JSON.stringify(raw)} ${problem ?? 'is empty'}`, field);
  }
  return { path, args: args.join(' ') };
}

function render(c: Command): string {
  return c.args === '' ? c.path : `${c.path} ${c.args}`;
}

/** A deny entry without arguments covers the command with any arguments, as in sudoers. */
function denies(deny: Command, allow: Command): boolean {
  return deny.path === allow.path && (deny.args === '' || deny.args === allow.args);
}

/**
 * The sudoers command list for a role: allow minus deny. `ALL` in allow grants everything; with
 * denies it becomes `ALL, !/cmd, ...` (sudo's own caveat applies: a negation under ALL is easy to
 * bypass by copying the binary, so roles should prefer explicit allow lists).
 */
export function commandList(permissions: { allow: string[]; deny: string[] }): string {
  const allowAll = permissions.allow.some((p) => p.trim() === 'ALL');
  const denyAll = permissions.deny.some((p) => p.trim() === 'ALL');
  const deny = permissions.deny.filter((p) => p.trim() !== 'ALL').map((p, i) => parseCommand(p, `role.permissions.deny[${i}]`));
  const allow = permissions.allow
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.trim() !== 'ALL')
    .map(({ p, i }) => parseCommand(p, `role.permissions.allow[${i}]`));

  if (!denyAll && allowAll) {
    const negated = [...new Set(deny.map((d) => `!${render(d)}`))];
    return ['ALL', ...negated].join(', ');
  }
  const granted = denyAll ? [] : [...new Set(allow.filter((a) => !deny.some((d) => denies(d, a))).map(render))];
  if (granted.length === 0) {
    throw new SudoGrantRefused('sudo_nothing_to_grant', 'the role allows no command on this host once its deny list is applied', 'role.permissions');
  }
  return granted.join(', ');
}

/** sudoers' NOTAFTER timestamp (UTC, `YYYYMMDDHHMMSSZ`). */
export function sudoersTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new SudoGrantRefused('sudo_invalid_expiry', `expiry ${JSON.stringify(iso)} is not an ISO-8601 date`, 'expiresAt');
  }
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export interface GrantFileInput {
  requestId: string;
  roleId: string;
  account: string;
  expiresAt: string;
  runAs: string;
  nopasswd: boolean;
  commands: string;
}

/** Header values come from config and requests: anything outside printable ASCII is masked. */
function commentValue(value: string): string {
  return value.replace(/[^ -~]/g, '?');
}

export function renderGrantFile(input: GrantFileInput): string {
  const notAfter = sudoersTimestamp(input.expiresAt);
  const tag = input.nopasswd ? 'NOPASSWD: ' : '';
  return [
    `# Lease grant for request ${commentValue(input.requestId)}`,
    `# role: ${commentValue(input.roleId)}`,
    `# expires: ${new Date(Date.parse(input.expiresAt)).toISOString()}`,
    '# managed by Lease — do not edit; Lease removes this file when the lease ends',
    `${input.account} ALL=(${input.runAs}) NOTAFTER=${notAfter} ${tag}${input.commands}`,
    '',
  ].join('\n');
}

/** The account a Lease drop-in grants to, or null when its rule line is not Lease's shape. */
export function accountOfGrantFile(content: string): string | null {
  const rule = content.split('\n').find((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  const account = rule?.trim().split(/\s+/)[0];
  return account !== undefined && ACCOUNT_PATTERN.test(account) ? account : null;
}
