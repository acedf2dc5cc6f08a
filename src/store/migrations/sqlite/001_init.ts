/**
 * Migration 001: the initial schema. A migration, once released, is never
 * edited: a later change is a new numbered file, so every existing database
 * replays exactly the steps it has not seen.
 */
export const sql = `
CREATE TABLE users (
  user              TEXT PRIMARY KEY NOT NULL,
  sealed_secret     TEXT,
  enrolled_at       INTEGER,
  last_time_step    INTEGER NOT NULL DEFAULT 0,
  generation        INTEGER NOT NULL DEFAULT 1,
  first_prompted_at INTEGER,
  skipped_at        INTEGER,
  last_seen_at      INTEGER,
  last_seen_ip      TEXT NOT NULL DEFAULT '',
  last_seen_groups  TEXT NOT NULL DEFAULT '[]',
  last_verified_at  INTEGER,
  -- Derived, so it can never disagree with the columns it summarises; indexed
  -- with user so "status = ? ORDER BY user LIMIT ? OFFSET ?" walks one index.
  status TEXT GENERATED ALWAYS AS (
    CASE WHEN sealed_secret IS NOT NULL THEN 'enrolled'
         WHEN skipped_at IS NOT NULL THEN 'skipped'
         ELSE 'not_enrolled' END
  ) VIRTUAL
);
CREATE INDEX users_status ON users (status, user);

CREATE TABLE recovery_codes (
  user TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (user, hash)
) WITHOUT ROWID;

CREATE TABLE groups_seen (
  name TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;

-- Sliding-window failure log: one row per failure, pruned as the window moves.
CREATE TABLE failures (
  key TEXT NOT NULL,
  at  INTEGER NOT NULL,
  seq INTEGER PRIMARY KEY
);
CREATE INDEX failures_key_at ON failures (key, at);
CREATE INDEX failures_at ON failures (at);

CREATE TABLE locks (
  key         TEXT PRIMARY KEY NOT NULL,
  until       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX locks_until ON locks (until);

CREATE TABLE audit (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  type       TEXT NOT NULL,
  user       TEXT NOT NULL,
  actor      TEXT NOT NULL,
  ip         TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  detail     TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at, id);
CREATE INDEX audit_user_at ON audit (user, at, id);
CREATE INDEX audit_type_at ON audit (type, at, id);
`;
