/**
 * The audit trail in Redis: a stream capped at about `auditMax` entries
 * (XADD MAXLEN ~), plus per-user and per-type sorted-set indexes of entry ids
 * so the console's filtered views do not scan the whole stream.
 *
 * Entry ids carry the event's own time (see ghAudit in redis-scripts.ts), so
 * "before" is a range query. An event written with a time earlier than the
 * newest entry gets the newest entry's millisecond instead: paging by
 * "before" can then miss it at the boundary, which only clock skew between
 * replicas produces, by milliseconds.
 */
import type { Cluster, Redis } from 'ioredis';
import { detailJson, hashOf, pageOf, parseDetail } from './common.js';
import type { AuditEvent, AuditQuery, AuditType } from './types.js';

const AUDIT_BATCH = 200;
/** Ids kept in each user's index; the console shows a user's recent history, not all of it. */
const USER_INDEX_CAP = 1000;

/** Stream id of an audit index member ("<ms>-<zero-padded seq>"). */
const memberToId = (m: string): string => m.replace(/-0*(\d)/, '-$1');

/** The id just below `id`, for paging a stream backwards without the Redis 6.2 exclusive-range syntax. */
function idBefore(id: string): string | null {
  const [ms, seq] = id.split('-').map(BigInt) as [bigint, bigint];
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : null;
}

/** KEYS and ARGV of one ghAudit call (redis-scripts.ts), for a single write or a batch in one MULTI. */
export function auditCall(prefix: string, e: AuditEvent, auditMax: number): (string | number)[] {
  const fields = ['at', String(e.at), 'type', e.type, 'user', e.user, 'actor', e.actor, 'ip', e.ip, 'ua', e.userAgent, 'detail', detailJson(e.detail)];
  const keys = [`${prefix}audit`, `${prefix}au:${e.user}`, `${prefix}at:${e.type}`];
  return [...keys, Math.max(0, Math.floor(e.at)), auditMax, USER_INDEX_CAP, auditMax, e.user ? '1' : '0', ...fields];
}

export async function writeAudit(client: Redis | Cluster, prefix: string, e: AuditEvent, auditMax: number): Promise<void> {
  // ghAudit is defined on the client by RedisStore's constructor (defineCommand).
  await (client as unknown as Record<'ghAudit', (...a: (string | number)[]) => Promise<unknown>>).ghAudit(...auditCall(prefix, e, auditMax));
}

/** The id just above `id`, for paging a stream forwards without the Redis 6.2 exclusive-range syntax. */
function idAfter(id: string): string {
  const m = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (!m) throw new RangeError(`exportAudit: '${id}' is not an audit id of this store`);
  const [ms, seq] = [BigInt(m[1] as string), BigInt(m[2] ?? '0')];
  return seq < 18446744073709551615n ? `${ms}-${seq + 1n}` : `${ms + 1n}-0`;
}

/** The whole trail oldest first, after the entry `after` if given, AUDIT_BATCH entries per round trip. */
export async function* scanAudit(client: Redis | Cluster, prefix: string, after?: string): AsyncIterable<AuditEvent> {
  let start = after === undefined || after === '' ? '-' : idAfter(after);
  for (;;) {
    const entries = (await client.xrange(`${prefix}audit`, start, '+', 'COUNT', AUDIT_BATCH)) as [string, string[]][];
    for (const entry of entries) yield toEvent(entry);
    if (entries.length < AUDIT_BATCH) return;
    start = idAfter((entries.at(-1) as [string, string[]])[0]);
  }
}

export async function readAudit(client: Redis | Cluster, prefix: string, q: AuditQuery): Promise<AuditEvent[]> {
  const limit = pageOf({ offset: 0, limit: q.limit }).limit;
  const before = q.before === undefined ? undefined : Math.ceil(q.before);
  if (limit === 0 || (before !== undefined && before <= 0)) return [];
  const keep = (e: AuditEvent) =>
    (q.user === undefined || e.user === q.user) && (q.type === undefined || e.type === q.type) && (before === undefined || e.at < before);
  const out: AuditEvent[] = [];

  if (q.user !== undefined || q.type !== undefined) {
    // A user's (or type's) own index: the user's is smaller, so it is preferred when both are given.
    const index = prefix + (q.user !== undefined ? `au:${q.user}` : `at:${q.type}`);
    const max = before === undefined ? '+inf' : `(${before}`;
    for (let skip = 0; out.length < limit; skip += AUDIT_BATCH) {
      const members = await client.zrevrangebyscore(index, max, '-inf', 'LIMIT', skip, AUDIT_BATCH);
      const p = client.pipeline();
      for (const m of members) p.xrange(`${prefix}audit`, memberToId(m), memberToId(m));
      for (const [err, entries] of (await p.exec()) ?? []) {
        if (err) throw err;
        // Missing entries were trimmed from the stream after being indexed.
        for (const e of (entries as [string, string[]][]).map(toEvent)) if (keep(e) && out.length < limit) out.push(e);
      }
      if (members.length < AUDIT_BATCH) break;
    }
    return out;
  }

  let end: string | null = before === undefined ? '+' : String(before - 1);
  while (end !== null && out.length < limit) {
    const entries = (await client.xrevrange(`${prefix}audit`, end, '-', 'COUNT', AUDIT_BATCH)) as [string, string[]][];
    for (const e of entries.map(toEvent)) if (keep(e) && out.length < limit) out.push(e);
    if (entries.length < AUDIT_BATCH) break;
    end = idBefore((entries.at(-1) as [string, string[]])[0]);
  }
  return out;
}

function toEvent([id, flat]: [string, string[]]): AuditEvent {
  const f = hashOf(flat);
  return {
    id,
    at: Number(f.at),
    type: f.type as AuditType,
    user: f.user ?? '',
    actor: f.actor ?? '',
    ip: f.ip ?? '',
    userAgent: f.ua ?? '',
    detail: parseDetail(f.detail),
  };
}
