// The PostgreSQL schema as of SQLite's migrations 0001–0008: the same tables, columns and indexes,
// so both stores share row shapes (../schema.ts). Migrations are append-only: never edit one that
// has shipped, add the next.
// - Text is `COLLATE "C"`: ids and ISO-8601 times compare byte by byte, as in SQLite, whatever the
//   database's default collation.
// - Epoch-ms columns are bigint; the store's pool reads int8 as a JS number.
// - Foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at commit, as in SQLite.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE requests (
      id text COLLATE "C" PRIMARY KEY,
      identity_id text COLLATE "C" NOT NULL,
      identity text NOT NULL,
      role text COLLATE "C" NOT NULL,
      provider text COLLATE "C" NOT NULL,
      workflow text COLLATE "C",
      reason text NOT NULL,
      duration_ms bigint NOT NULL,
      status text COLLATE "C" NOT NULL,
      created_at text COLLATE "C" NOT NULL,
      updated_at text COLLATE "C" NOT NULL,
      granted_at text COLLATE "C",
      expires_at text COLLATE "C",
      ended_at text COLLATE "C",
      outcome text,
      break_glass integer NOT NULL DEFAULT 0,
      start_at text COLLATE "C",
      extended_from text COLLATE "C",
      timeout_at text COLLATE "C"
    );
    CREATE INDEX requests_status ON requests (status, created_at);
    CREATE INDEX requests_identity ON requests (identity_id, created_at);
    CREATE INDEX requests_created_at ON requests (created_at);

    CREATE TABLE workflow_instances (
      id text COLLATE "C" PRIMARY KEY,
      workflow text COLLATE "C" NOT NULL,
      state text NOT NULL,
      status text COLLATE "C" NOT NULL,
      wake_at bigint,
      created_at text COLLATE "C" NOT NULL,
      updated_at text COLLATE "C" NOT NULL
    );
    CREATE INDEX workflow_instances_status_wake_at ON workflow_instances (status, wake_at);

    -- seq comes from an identity sequence: increasing in append order, never reused.
    CREATE TABLE workflow_inbox (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      instance_id text COLLATE "C" NOT NULL,
      event text NOT NULL,
      created_at text COLLATE "C" NOT NULL,
      consumed_at text COLLATE "C",
      CONSTRAINT workflow_inbox_instance_fk FOREIGN KEY (instance_id) REFERENCES workflow_instances (id) DEFERRABLE INITIALLY DEFERRED
    );
    CREATE INDEX workflow_inbox_pending ON workflow_inbox (instance_id, seq) WHERE consumed_at IS NULL;

    CREATE TABLE grants (
      request_id text COLLATE "C" NOT NULL,
      provider text COLLATE "C" NOT NULL,
      record text NOT NULL,
      granted_at text COLLATE "C" NOT NULL,
      revoked_at text COLLATE "C",
      CONSTRAINT grants_pk PRIMARY KEY (request_id, provider),
      CONSTRAINT grants_request_fk FOREIGN KEY (request_id) REFERENCES requests (id) DEFERRABLE INITIALLY DEFERRED
    );
    CREATE INDEX grants_active ON grants (granted_at) WHERE revoked_at IS NULL;

    -- seq is assigned by the store (last + 1) under a transaction-level advisory lock; the primary
    -- key makes a forked chain impossible even if two writers raced.
    CREATE TABLE audit_log (
      seq bigint PRIMARY KEY,
      ts text COLLATE "C" NOT NULL,
      actor text COLLATE "C" NOT NULL,
      action text COLLATE "C" NOT NULL,
      subject text COLLATE "C",
      data text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL
    );
    CREATE INDEX audit_log_subject ON audit_log (subject, seq);

    CREATE TABLE host_tasks (
      id text COLLATE "C" PRIMARY KEY,
      key text COLLATE "C" NOT NULL UNIQUE,
      host text COLLATE "C" NOT NULL,
      provider text COLLATE "C" NOT NULL,
      kind text COLLATE "C" NOT NULL,
      request_id text COLLATE "C",
      payload text NOT NULL,
      status text COLLATE "C" NOT NULL,
      attempt integer NOT NULL,
      claimed_until bigint,
      deliver_before bigint,
      result text,
      error text,
      created_at text COLLATE "C" NOT NULL,
      updated_at text COLLATE "C" NOT NULL,
      completed_at text COLLATE "C"
    );
    CREATE INDEX host_tasks_pending ON host_tasks (host, created_at) WHERE status = 'pending';

    CREATE TABLE decisions (
      request_id text COLLATE "C" NOT NULL,
      approver text COLLATE "C" NOT NULL,
      identity text NOT NULL,
      approved integer NOT NULL,
      reason text,
      channel text COLLATE "C" NOT NULL,
      decided_at text COLLATE "C" NOT NULL,
      CONSTRAINT decisions_pk PRIMARY KEY (request_id, approver),
      CONSTRAINT decisions_request_fk FOREIGN KEY (request_id) REFERENCES requests (id) DEFERRABLE INITIALLY DEFERRED
    );

    CREATE TABLE revoked_sessions (
      jti text COLLATE "C" PRIMARY KEY,
      expires_at bigint NOT NULL,
      revoked_at text COLLATE "C" NOT NULL
    );
    CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at);

    CREATE TABLE identity_session_cutoffs (
      provider text COLLATE "C" NOT NULL,
      user_id text COLLATE "C" NOT NULL,
      not_before bigint NOT NULL,
      updated_at text COLLATE "C" NOT NULL,
      CONSTRAINT identity_session_cutoffs_pk PRIMARY KEY (provider, user_id)
    );

    CREATE TABLE reviews (
      id text COLLATE "C" PRIMARY KEY,
      request_id text COLLATE "C" NOT NULL UNIQUE,
      opened_at text COLLATE "C" NOT NULL,
      closed_at text COLLATE "C",
      closed_by text COLLATE "C",
      comment text,
      CONSTRAINT reviews_request_fk FOREIGN KEY (request_id) REFERENCES requests (id) DEFERRABLE INITIALLY DEFERRED
    );
    CREATE INDEX reviews_opened_at ON reviews (opened_at);

    CREATE TABLE email_link_uses (
      jti text COLLATE "C" PRIMARY KEY,
      expires_at bigint NOT NULL,
      used_at text COLLATE "C" NOT NULL
    );
    CREATE INDEX email_link_uses_expires_at ON email_link_uses (expires_at);

    CREATE TABLE email_cursor (
      name text COLLATE "C" PRIMARY KEY,
      seq bigint NOT NULL,
      updated_at text COLLATE "C" NOT NULL
    );
    INSERT INTO email_cursor (name, seq, updated_at)
      VALUES ('requester-mail', 0, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));

    CREATE TABLE notification_messages (
      request_id text COLLATE "C" NOT NULL,
      provider text COLLATE "C" NOT NULL,
      channel text COLLATE "C" NOT NULL,
      message_id text COLLATE "C" NOT NULL,
      created_at text COLLATE "C" NOT NULL,
      purpose text COLLATE "C" NOT NULL DEFAULT 'request',
      CONSTRAINT notification_messages_pk PRIMARY KEY (request_id, provider, channel, message_id),
      CONSTRAINT notification_messages_request_fk FOREIGN KEY (request_id) REFERENCES requests (id) DEFERRABLE INITIALLY DEFERRED
    );

    CREATE TABLE seen_callbacks (
      key text COLLATE "C" PRIMARY KEY,
      expires_at bigint NOT NULL
    );
    CREATE INDEX seen_callbacks_expires_at ON seen_callbacks (expires_at);

    CREATE TABLE lease_notices (
      request_id text COLLATE "C" NOT NULL,
      provider text COLLATE "C" NOT NULL,
      kind text COLLATE "C" NOT NULL,
      due_at bigint NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      CONSTRAINT lease_notices_pk PRIMARY KEY (request_id, provider, kind),
      CONSTRAINT lease_notices_request_fk FOREIGN KEY (request_id) REFERENCES requests (id) DEFERRABLE INITIALLY DEFERRED
    );
    CREATE INDEX lease_notices_due_at ON lease_notices (due_at);

    -- Append-only: the application never updates, deletes or truncates audit entries, so the
    -- database refuses to. Tampering then needs a role that can drop these triggers, and verify()
    -- detects what it changed.
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
  `.execute(db);
}
