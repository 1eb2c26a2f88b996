// Logins in progress (migration 0010_pending_logins), in the store so that any replica can take
// the next step of a login another one started. Every single-use step is one statement
// (UPDATE … RETURNING, DELETE … RETURNING): two replicas presenting the same state, code or
// device code at once cannot both succeed.
import type BetterSqlite3 from 'better-sqlite3';
import type { Identity } from '../core/index.js';
import type { SyncRepository } from './statements.js';
import type { DeviceLoginRow, DeviceLoginStatus, LoginAttemptRow, Store } from './types.js';

export interface LoginAttemptsTable extends Omit<LoginAttemptRow, 'identity'> {
  identity: string | null;
}

export interface DeviceLoginsTable extends Omit<DeviceLoginRow, 'identity' | 'status'> {
  status: string;
  identity: string | null;
}

export function toAttempt(row: LoginAttemptsTable | undefined): LoginAttemptRow | undefined {
  if (row === undefined) return undefined;
  return { ...row, identity: row.identity === null ? null : (JSON.parse(row.identity) as Identity) };
}

export function toDevice(row: DeviceLoginsTable | undefined): DeviceLoginRow | undefined {
  if (row === undefined) return undefined;
  return { ...row, status: row.status as DeviceLoginStatus, identity: row.identity === null ? null : (JSON.parse(row.identity) as Identity) };
}

export function loginAttemptsRepository(db: BetterSqlite3.Database): SyncRepository<Store['loginAttempts']> {
  const prune = db.prepare('DELETE FROM login_attempts WHERE expires_at <= ?');
  const live = db.prepare('SELECT count(*) FROM login_attempts WHERE expires_at > ?').pluck();
  const insert = db.prepare(
    `INSERT INTO login_attempts (id_hash, state_hash, provider, redirect, method, sealed_checks, expires_at)
     VALUES (@id_hash, @state_hash, @provider, @redirect, @method, @sealed_checks, @expires_at)`,
  );
  const takeByState = db.prepare(
    `UPDATE login_attempts SET state_hash = NULL
     WHERE state_hash = ? AND expires_at > ? AND identity IS NULL
     RETURNING *`,
  );
  const authenticate = db.prepare('UPDATE login_attempts SET identity = ?, code_hash = ?, code_expires_at = ?, expires_at = ? WHERE id_hash = ?');
  const redeem = db.prepare('DELETE FROM login_attempts WHERE id_hash = ? AND code_hash = ? RETURNING *');
  const remove = db.prepare('DELETE FROM login_attempts WHERE id_hash = ?');
  return {
    add(row, nowMs, limit) {
      prune.run(nowMs);
      if ((live.get(nowMs) as number) >= limit) return false;
      insert.run(row);
      return true;
    },
    takeByState(stateHash, nowMs) {
      return toAttempt(takeByState.get(stateHash, nowMs) as LoginAttemptsTable | undefined);
    },
    authenticate(idHash, identity, codeHash, codeExpiresAtMs, expiresAtMs) {
      authenticate.run(JSON.stringify(identity), codeHash, codeExpiresAtMs, expiresAtMs, idHash);
    },
    redeem(idHash, codeHash) {
      return toAttempt(redeem.get(idHash, codeHash) as LoginAttemptsTable | undefined);
    },
    remove(idHash) {
      remove.run(idHash);
    },
  };
}

export function deviceLoginsRepository(db: BetterSqlite3.Database): SyncRepository<Store['deviceLogins']> {
  const prune = db.prepare('DELETE FROM device_logins WHERE expires_at <= ?');
  const live = db.prepare('SELECT count(*) FROM device_logins WHERE expires_at > ?').pluck();
  const insert = db.prepare(
    `INSERT INTO device_logins (device_code_hash, user_code_hash, provider, status, expires_at, interval_ms)
     VALUES (@device_code_hash, @user_code_hash, @provider, @status, @expires_at, @interval_ms)
     ON CONFLICT DO NOTHING`,
  );
  const byUserCode = db.prepare(`SELECT * FROM device_logins WHERE user_code_hash = ? AND status = 'pending' AND expires_at > ?`);
  const byRef = db.prepare('SELECT * FROM device_logins WHERE ref_hash = ?');
  const bindAttempt = db.prepare(`UPDATE device_logins SET ref_hash = ?, attempt_hash = ? WHERE device_code_hash = ? AND status = 'pending'`);
  const finish = db.prepare(`UPDATE device_logins SET status = ?, identity = ?, user_code_hash = NULL WHERE device_code_hash = ? AND status = 'pending'`);
  // Too soon when the previous poll is closer than the interval (less the slack): then the
  // interval grows and slowed_at marks this poll. SQLite evaluates every SET expression against
  // the row as it was, so the condition sees the previous poll.
  const poll = db.prepare(
    `UPDATE device_logins SET
       interval_ms = CASE WHEN last_poll_at IS NOT NULL AND @now - last_poll_at < interval_ms - @slack THEN interval_ms + @step ELSE interval_ms END,
       slowed_at = CASE WHEN last_poll_at IS NOT NULL AND @now - last_poll_at < interval_ms - @slack THEN @now ELSE slowed_at END,
       last_poll_at = @now
     WHERE device_code_hash = @hash
     RETURNING *`,
  );
  const claim = db.prepare(`DELETE FROM device_logins WHERE device_code_hash = ? AND status = 'authenticated' RETURNING identity`).pluck();
  return {
    add(row, nowMs, limit, pruneBeforeMs) {
      prune.run(pruneBeforeMs);
      if ((live.get(nowMs) as number) >= limit) return 'full';
      const { device_code_hash, user_code_hash, provider, status, expires_at, interval_ms } = row;
      return insert.run({ device_code_hash, user_code_hash, provider, status, expires_at, interval_ms }).changes === 1 ? 'added' : 'taken';
    },
    pendingByUserCode(userCodeHash, nowMs) {
      return toDevice(byUserCode.get(userCodeHash, nowMs) as DeviceLoginsTable | undefined);
    },
    byRef(refHash) {
      return toDevice(byRef.get(refHash) as DeviceLoginsTable | undefined);
    },
    bindAttempt(deviceCodeHash, refHash, attemptHash) {
      bindAttempt.run(refHash, attemptHash, deviceCodeHash);
    },
    finish(deviceCodeHash, outcome) {
      const identity = outcome.status === 'authenticated' ? JSON.stringify(outcome.identity) : null;
      return finish.run(outcome.status, identity, deviceCodeHash).changes === 1;
    },
    poll(deviceCodeHash, nowMs, slackMs, stepMs) {
      return toDevice(poll.get({ hash: deviceCodeHash, now: nowMs, slack: slackMs, step: stepMs }) as DeviceLoginsTable | undefined);
    },
    claim(deviceCodeHash) {
      const identity = claim.get(deviceCodeHash) as string | undefined;
      return identity === undefined ? undefined : (JSON.parse(identity) as Identity);
    },
  };
}

export function loginFailuresRepository(db: BetterSqlite3.Database): SyncRepository<Store['loginFailures']> {
  const prune = db.prepare('DELETE FROM login_failures WHERE expires_at <= ?');
  const insert = db.prepare('INSERT INTO login_failures (key, at, expires_at) VALUES (?, ?, ?)');
  const recent = db.prepare('SELECT at FROM login_failures WHERE key = ? AND expires_at > ? ORDER BY at DESC LIMIT ?').pluck();
  const clear = db.prepare('DELETE FROM login_failures WHERE key = ?');
  const prunePacing = db.prepare('DELETE FROM login_pacing WHERE next_slot <= ?');
  // The turn is max(next_slot, now); taken only when it is at most maxWait away.
  const takeTurn = db.prepare(
    `INSERT INTO login_pacing (key, next_slot) VALUES (@key, @now + @pace)
     ON CONFLICT (key) DO UPDATE SET next_slot = max(next_slot, @now) + @pace
       WHERE max(next_slot, @now) - @now <= @maxWait
     RETURNING next_slot`,
  ).pluck();
  const nextSlot = db.prepare('SELECT next_slot FROM login_pacing WHERE key = ?').pluck();
  return {
    add(key, atMs, expiresAtMs) {
      prune.run(atMs);
      insert.run(key, atMs, expiresAtMs);
    },
    recent(key, nowMs, limit) {
      return recent.all(key, nowMs, limit) as number[];
    },
    clear(key) {
      clear.run(key);
    },
    takeTurn(key, nowMs, paceMs, maxWaitMs) {
      prunePacing.run(nowMs);
      const next = takeTurn.get({ key, now: nowMs, pace: paceMs, maxWait: maxWaitMs }) as number | undefined;
      if (next !== undefined) return { slotMs: next - paceMs, taken: true };
      return { slotMs: Math.max((nextSlot.get(key) as number | undefined) ?? nowMs, nowMs), taken: false };
    },
  };
}
