// Logins in progress on PostgreSQL: the statements of ../logins.ts in PostgreSQL's dialect.
// Every single-use step is one statement (UPDATE … RETURNING, DELETE … RETURNING), so two
// replicas presenting the same state, code or device code cannot both succeed.
import type { Identity } from '../../core/index.js';
import { toAttempt, toDevice, type DeviceLoginsTable, type LoginAttemptsTable } from '../logins.js';
import type { Store } from '../types.js';
import type { Sql } from './sql.js';

export function loginAttemptsRepository(db: Sql): Store['loginAttempts'] {
  const one = async (text: string, values: unknown[]) => toAttempt((await db.query<LoginAttemptsTable>(text, values)).rows[0]);
  return {
    async add(row, nowMs, limit) {
      await db.query('DELETE FROM login_attempts WHERE expires_at <= $1', [nowMs]);
      const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM login_attempts WHERE expires_at > $1', [nowMs]);
      if ((rows[0]?.count ?? 0) >= limit) return false;
      await db.query(
        `INSERT INTO login_attempts (id_hash, state_hash, provider, redirect, method, sealed_checks, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [row.id_hash, row.state_hash, row.provider, row.redirect, row.method, row.sealed_checks, row.expires_at],
      );
      return true;
    },
    takeByState: (stateHash, nowMs) =>
      one(`UPDATE login_attempts SET state_hash = NULL WHERE state_hash = $1 AND expires_at > $2 AND identity IS NULL RETURNING *`, [stateHash, nowMs]),
    async authenticate(idHash, identity, codeHash, codeExpiresAtMs, expiresAtMs) {
      await db.query('UPDATE login_attempts SET identity = $1, code_hash = $2, code_expires_at = $3, expires_at = $4 WHERE id_hash = $5', [
        JSON.stringify(identity),
        codeHash,
        codeExpiresAtMs,
        expiresAtMs,
        idHash,
      ]);
    },
    redeem: (idHash, codeHash) => one('DELETE FROM login_attempts WHERE id_hash = $1 AND code_hash = $2 RETURNING *', [idHash, codeHash]),
    async remove(idHash) {
      await db.query('DELETE FROM login_attempts WHERE id_hash = $1', [idHash]);
    },
  };
}

export function deviceLoginsRepository(db: Sql): Store['deviceLogins'] {
  const one = async (text: string, values: unknown[]) => toDevice((await db.query<DeviceLoginsTable>(text, values)).rows[0]);
  return {
    async add(row, nowMs, limit, pruneBeforeMs) {
      await db.query('DELETE FROM device_logins WHERE expires_at <= $1', [pruneBeforeMs]);
      const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM device_logins WHERE expires_at > $1', [nowMs]);
      if ((rows[0]?.count ?? 0) >= limit) return 'full';
      const { rowCount } = await db.query(
        `INSERT INTO device_logins (device_code_hash, user_code_hash, provider, status, expires_at, interval_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [row.device_code_hash, row.user_code_hash, row.provider, row.status, row.expires_at, row.interval_ms],
      );
      return rowCount === 1 ? 'added' : 'taken';
    },
    pendingByUserCode: (userCodeHash, nowMs) => one(`SELECT * FROM device_logins WHERE user_code_hash = $1 AND status = 'pending' AND expires_at > $2`, [userCodeHash, nowMs]),
    byRef: (refHash) => one('SELECT * FROM device_logins WHERE ref_hash = $1', [refHash]),
    async bindAttempt(deviceCodeHash, refHash, attemptHash) {
      await db.query(`UPDATE device_logins SET ref_hash = $1, attempt_hash = $2 WHERE device_code_hash = $3 AND status = 'pending'`, [refHash, attemptHash, deviceCodeHash]);
    },
    async finish(deviceCodeHash, outcome) {
      const identity = outcome.status === 'authenticated' ? JSON.stringify(outcome.identity) : null;
      const { rowCount } = await db.query(`UPDATE device_logins SET status = $1, identity = $2, user_code_hash = NULL WHERE device_code_hash = $3 AND status = 'pending'`, [
        outcome.status,
        identity,
        deviceCodeHash,
      ]);
      return rowCount === 1;
    },
    // PostgreSQL, like SQLite, evaluates every SET expression against the row as it was.
    poll: (deviceCodeHash, nowMs, slackMs, stepMs) =>
      one(
        `UPDATE device_logins SET
           interval_ms = CASE WHEN last_poll_at IS NOT NULL AND $2 - last_poll_at < interval_ms - $3 THEN interval_ms + $4 ELSE interval_ms END,
           slowed_at = CASE WHEN last_poll_at IS NOT NULL AND $2 - last_poll_at < interval_ms - $3 THEN $2 ELSE slowed_at END,
           last_poll_at = $2
         WHERE device_code_hash = $1
         RETURNING *`,
        [deviceCodeHash, nowMs, slackMs, stepMs],
      ),
    async claim(deviceCodeHash) {
      const { rows } = await db.query<{ identity: string }>(`DELETE FROM device_logins WHERE device_code_hash = $1 AND status = 'authenticated' RETURNING identity`, [deviceCodeHash]);
      return rows[0] === undefined ? undefined : (JSON.parse(rows[0].identity) as Identity);
    },
  };
}

export function loginFailuresRepository(db: Sql): Store['loginFailures'] {
  return {
    async add(key, atMs, expiresAtMs) {
      await db.query('DELETE FROM login_failures WHERE expires_at <= $1', [atMs]);
      await db.query('INSERT INTO login_failures (key, at, expires_at) VALUES ($1, $2, $3)', [key, atMs, expiresAtMs]);
    },
    async recent(key, nowMs, limit) {
      const { rows } = await db.query<{ at: number }>('SELECT at FROM login_failures WHERE key = $1 AND expires_at > $2 ORDER BY at DESC LIMIT $3', [key, nowMs, limit]);
      return rows.map((row) => row.at);
    },
    async clear(key) {
      await db.query('DELETE FROM login_failures WHERE key = $1', [key]);
    },
    // One upsert takes the turn, so two replicas never get the same slot.
    async takeTurn(key, nowMs, paceMs, maxWaitMs) {
      await db.query('DELETE FROM login_pacing WHERE next_slot <= $1', [nowMs]);
      const { rows } = await db.query<{ next_slot: number }>(
        `INSERT INTO login_pacing (key, next_slot) VALUES ($1, $2::bigint + $3::bigint)
         ON CONFLICT (key) DO UPDATE SET next_slot = greatest(login_pacing.next_slot, $2::bigint) + $3::bigint
           WHERE greatest(login_pacing.next_slot, $2::bigint) - $2::bigint <= $4::bigint
         RETURNING next_slot`,
        [key, nowMs, paceMs, maxWaitMs],
      );
      if (rows[0] !== undefined) return { slotMs: rows[0].next_slot - paceMs, taken: true };
      const next = await db.query<{ next_slot: number }>('SELECT next_slot FROM login_pacing WHERE key = $1', [key]);
      return { slotMs: Math.max(next.rows[0]?.next_slot ?? nowMs, nowMs), taken: false };
    },
  };
}
