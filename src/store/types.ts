/**
 * The state Gatehouse keeps, behind one interface that both the embedded
 * SQLite store and the shared Redis store implement (one contract suite in
 * test/store/contract.ts keeps them from drifting).
 *
 * Every operation that must be atomic across replicas is a single method here
 * (acceptTimeStep, recordFailure, resetUser, useRecoveryCode) so the Redis
 * implementation can make it one Lua script and SQLite one transaction.
 * Times are epoch milliseconds passed in by the caller: stores never read the
 * clock, so tests move time forward instead of sleeping.
 */

export interface UserState {
  user: string;
  /** AES-256-GCM sealed TOTP secret (see totp/crypto.ts); null = not enrolled. */
  sealedSecret: string | null;
  enrolledAt: number | null;
  /** Highest TOTP time-step accepted; a code at or below it is a replay. */
  lastTimeStep: number;
  /** Bumped by reset: remembered devices and 2FA sessions carry it and die with it. */
  generation: number;
  /** Unused recovery codes left (hashes are kept apart). */
  recoveryCodesLeft: number;
  firstPromptedAt: number | null;
  /** When the user last chose "skip for now". */
  skippedAt: number | null;
  lastSeenAt: number | null;
  lastSeenIp: string;
  lastSeenGroups: readonly string[];
  lastVerifiedAt: number | null;
  /** End of the lock on key `user:<name>` (userLockKey) as stored; may already be past, so compare with now. */
  lockedUntil: number | null;
}

export type AuditType =
  | 'enrolled'
  | 'verified'
  | 'failed'
  | 'locked'
  | 'unlocked'
  | 'skipped'
  | 'recovery_used'
  | 'recovery_regenerated'
  | 'reset'
  | 'policy_changed'
  | 'reload_ok'
  | 'reload_failed'
  | 'api_call'
  | 'admin_login';

export interface AuditEvent {
  id?: number | string;
  at: number;
  type: AuditType;
  user: string;
  /** Who did it when it was not the user (an admin, an API token name, 'cli'). */
  actor: string;
  ip: string;
  userAgent: string;
  /** Free-form, never a secret, code or cookie. */
  detail: Readonly<Record<string, unknown>>;
}

export interface UserListQuery {
  search?: string;
  /** Filter by a stored status; out-of-scope is a policy question, filtered by the caller. */
  status?: 'enrolled' | 'skipped' | 'not_enrolled' | 'locked';
  now: number;
  offset: number;
  limit: number;
}

export interface AuditQuery {
  user?: string;
  type?: AuditType;
  before?: number;
  limit: number;
}

export interface FailureResult {
  /** Failures counted in the current window for this key. */
  count: number;
  /** Set when this failure crossed the threshold. */
  lockedUntil: number | null;
}

/**
 * Everything stored about one user, as `gatehouse store migrate` moves it
 * from one store to another. The sealed secret travels as it is (sealed
 * under the same encryption key), so an enrolled user keeps using the same
 * authenticator; lastTimeStep and generation travel too, so a code already
 * used or a session ended by a reset stays dead after the move.
 */
export interface UserRecord {
  user: string;
  sealedSecret: string | null;
  enrolledAt: number | null;
  lastTimeStep: number;
  generation: number;
  /** Hashes of the unused recovery codes (the codes themselves are never stored). */
  recoveryHashes: string[];
  firstPromptedAt: number | null;
  skippedAt: number | null;
  lastSeenAt: number | null;
  lastSeenIp: string;
  lastSeenGroups: string[];
  lastVerifiedAt: number | null;
  /** End of the user lock as stored (may be past); failure counts are not carried over. */
  lockedUntil: number | null;
}

/**
 * What importUser did: `created` a user the store had no record of;
 * `updated` one it had only seen (never enrolled, never reset), keeping the
 * newer sighting; `kept` one that is already enrolled or was reset there —
 * the store's own record is newer than any copy and is left alone.
 */
export type ImportOutcome = 'created' | 'updated' | 'kept';

export interface Store {
  readonly kind: 'sqlite' | 'redis';

  /** Cheap liveness probe for readiness and fail-closed decisions. */
  ping(): Promise<void>;
  close(): Promise<void>;

  getUser(user: string): Promise<UserState | null>;
  /**
   * getUser for a store that answers without waiting (SQLite is synchronous
   * and caches states in memory): the gate's hot path then never waits on a
   * promise. Throws where getUser would reject. Absent on stores that need I/O.
   */
  getUserNow?(user: string): UserState | null;
  /** Records a sighting (creates the user on first sight); sets firstPromptedAt only if unset and given. */
  touchUser(user: string, seen: { at: number; ip: string; groups: readonly string[]; prompted?: boolean }): Promise<UserState>;

  /** Stores a newly confirmed secret and recovery-code hashes; returns the new state. */
  enrol(user: string, e: { sealedSecret: string; at: number; timeStep: number; recoveryHashes: readonly string[] }): Promise<UserState>;
  /**
   * Atomically accepts `timeStep` for `user` if it is greater than the last one
   * accepted and the user's generation is still `generation`. Exactly one of
   * two concurrent callers with the same step gets true.
   */
  acceptTimeStep(user: string, timeStep: number, generation: number, at: number): Promise<boolean>;
  /** Atomically consumes one recovery code by hash; true only for the first use. */
  useRecoveryCode(user: string, hash: string, at: number): Promise<boolean>;
  replaceRecoveryCodes(user: string, hashes: readonly string[]): Promise<void>;

  setSkipped(user: string, at: number): Promise<void>;

  /** Deletes secret and recovery codes, bumps generation, clears lock. Returns the new generation. */
  resetUser(user: string): Promise<number>;

  /**
   * Counts a failure under `key` ("user:alice", "ip:10.0.0.1") in a sliding
   * window; when the count reaches maxFailures, locks the key for durationMs.
   */
  recordFailure(key: string, at: number, opts: { windowMs: number; maxFailures: number; durationMs: number }): Promise<FailureResult>;
  /** The lock on `key`, if one is in force at `now`. */
  lockedUntil(key: string, now: number): Promise<number | null>;
  clearFailures(key: string): Promise<void>;

  listUsers(q: UserListQuery): Promise<{ total: number; users: UserState[] }>;
  /** Counts by stored status, for the Rollout tab. */
  countUsers(now: number): Promise<{ total: number; enrolled: number; skipped: number; notEnrolled: number; locked: number }>;
  /** Users and groups seen, for the console's suggestions. */
  knownNames(): Promise<{ users: string[]; groups: string[] }>;

  audit(e: AuditEvent): Promise<void>;
  listAudit(q: AuditQuery): Promise<AuditEvent[]>;

  /** Every user's complete record, in name order, read in pages (never the whole store in memory). */
  exportUsers(): AsyncIterable<UserRecord>;
  /**
   * Writes a record exported from another store, atomically. Never overwrites
   * a user this store has enrolled or reset (see ImportOutcome), so running a
   * migration again cannot bring back a secret an admin has since reset, or
   * lower a replay guard. A lock still in force at `now` is kept.
   */
  importUser(r: UserRecord, now: number): Promise<ImportOutcome>;
  /** The audit trail oldest first, starting after the event whose id is `after` (a cursor for resuming). */
  exportAudit(after?: string): AsyncIterable<AuditEvent>;

  /**
   * Optional: called when any process resets a user (Redis: pub/sub on
   * `<keyPrefix>events`), so caches keyed by user can drop them at once.
   * Returns the unsubscribe function. Absent on SQLite.
   */
  onGenerationChange?(cb: (e: { user: string; generation: number }) => void): () => void;
}
