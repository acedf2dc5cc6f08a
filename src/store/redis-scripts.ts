/**
 * The Lua scripts behind RedisStore's atomic operations. Redis runs a script
 * without interleaving any other command, which makes each compare-and-set
 * below atomic across every replica sharing the server.
 *
 * Every user script receives the same ten KEYS (see USER_KEYS in redis.ts),
 * declared up front as Redis Cluster requires, and ARGV[1] = the user name.
 * Numbers are written with %.0f: Lua 5.1's default number formatting would
 * switch to exponent notation for large values.
 */

/** KEYS: 1 user hash, 2 recovery-code set, 3 user lock, 4 user failure log, 5 all users, 6-8 status indexes, 9 lock index, 10 groups. */
const PRELUDE = `
local name = ARGV[1]
local function reindex()
  local target = 8
  if redis.call('HEXISTS', KEYS[1], 'sealedSecret') == 1 then target = 6
  elseif redis.call('HEXISTS', KEYS[1], 'skippedAt') == 1 then target = 7 end
  for i = 6, 8 do
    if i == target then redis.call('ZADD', KEYS[i], 0, name) else redis.call('ZREM', KEYS[i], name) end
  end
end
local function ensure()
  if redis.call('EXISTS', KEYS[1]) == 1 then return end
  redis.call('HSET', KEYS[1], 'generation', 1, 'lastTimeStep', 0, 'lastSeenIp', '', 'lastSeenGroups', '[]')
  redis.call('ZADD', KEYS[5], 0, name)
  reindex()
end
local function state()
  return { redis.call('HGETALL', KEYS[1]), redis.call('SCARD', KEYS[2]), redis.call('GET', KEYS[3]) }
end
`;

export const USER_KEY_COUNT = 10;

export const scripts = {
  /** ARGV: name, at, ip, groupsJson, prompted ('1'|'0'), group… */
  ghTouch: `${PRELUDE}
ensure()
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[2], 'lastSeenIp', ARGV[3], 'lastSeenGroups', ARGV[4])
if ARGV[5] == '1' and redis.call('HEXISTS', KEYS[1], 'firstPromptedAt') == 0 then
  redis.call('HSET', KEYS[1], 'firstPromptedAt', ARGV[2])
end
for i = 6, #ARGV do redis.call('ZADD', KEYS[10], 0, ARGV[i]) end
return state()`,

  /** ARGV: name, sealedSecret, at, timeStep, hash… */
  ghEnrol: `${PRELUDE}
ensure()
redis.call('HSET', KEYS[1], 'sealedSecret', ARGV[2], 'enrolledAt', ARGV[3], 'lastTimeStep', ARGV[4])
redis.call('DEL', KEYS[2])
for i = 5, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
reindex()
return state()`,

  /** ARGV: name, timeStep, generation, at. Compare-and-set on (generation, lastTimeStep). */
  ghAccept: `${PRELUDE}
local h = redis.call('HMGET', KEYS[1], 'generation', 'lastTimeStep', 'sealedSecret')
if not h[1] or not h[3] then return 0 end
if tonumber(h[1]) ~= tonumber(ARGV[3]) then return 0 end
if tonumber(ARGV[2]) <= tonumber(h[2] or '0') then return 0 end
redis.call('HSET', KEYS[1], 'lastTimeStep', ARGV[2], 'lastVerifiedAt', ARGV[4])
return 1`,

  /** ARGV: name, hash, at. SREM answers 1 to exactly one caller. */
  ghUseCode: `${PRELUDE}
if redis.call('SREM', KEYS[2], ARGV[2]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastVerifiedAt', ARGV[3]) end
return 1`,

  /** ARGV: name, hash… */
  ghReplaceCodes: `${PRELUDE}
redis.call('DEL', KEYS[2])
for i = 2, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
return 1`,

  /** ARGV: name, at */
  ghSkip: `${PRELUDE}
ensure()
redis.call('HSET', KEYS[1], 'skippedAt', ARGV[2])
reindex()
return 1`,

  /** ARGV: name, lock key ("user:<name>"), events channel. Returns the new generation, 0 for an unknown user. */
  ghReset: `${PRELUDE}
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[9], ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local g = redis.call('HINCRBY', KEYS[1], 'generation', 1)
redis.call('HDEL', KEYS[1], 'sealedSecret', 'enrolledAt')
reindex()
redis.call('PUBLISH', ARGV[3], cjson.encode({ type = 'generation', user = name, generation = g }))
return g`,

  /**
   * ARGV: name, now, lock member ("user:<name>"), sealedSecret, enrolledAt,
   * lastTimeStep, generation, firstPromptedAt, skippedAt, lastSeenAt,
   * lastSeenIp, lastSeenGroups (JSON), lastVerifiedAt, lockedUntil, group
   * count n, n groups, recovery hashes… ('' = null). The rule of importable()
   * and mergeImport() in common.ts: only a user merely seen here is written.
   * Returns 'created' | 'updated' | 'kept'.
   */
  ghImport: `${PRELUDE}
local function fmt(v) return string.format('%.0f', v) end
local function n(v) if v == nil or v == false or v == '' then return nil end return tonumber(v) end
local function minOf(a, b) if a == nil then return b elseif b == nil or a < b then return a else return b end end
local function maxOf(a, b) if a == nil then return b elseif b == nil or a > b then return a else return b end end
local rec = {
  sealedSecret = ARGV[4], enrolledAt = n(ARGV[5]), lastTimeStep = n(ARGV[6]) or 0, generation = n(ARGV[7]) or 1,
  firstPromptedAt = n(ARGV[8]), skippedAt = n(ARGV[9]), lastSeenAt = n(ARGV[10]), lastSeenIp = ARGV[11],
  lastSeenGroups = ARGV[12], lastVerifiedAt = n(ARGV[13]), lockedUntil = n(ARGV[14]),
}
local outcome = 'created'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local h = redis.call('HMGET', KEYS[1], 'sealedSecret', 'generation', 'lastTimeStep', 'firstPromptedAt', 'skippedAt',
    'lastSeenAt', 'lastSeenIp', 'lastSeenGroups', 'lastVerifiedAt')
  if h[1] or tonumber(h[2]) ~= 1 or redis.call('SCARD', KEYS[2]) > 0 then return 'kept' end
  outcome = 'updated'
  rec.generation = maxOf(rec.generation, tonumber(h[2]))
  rec.lastTimeStep = maxOf(rec.lastTimeStep, n(h[3]) or 0)
  rec.firstPromptedAt = minOf(rec.firstPromptedAt, n(h[4]))
  rec.skippedAt = maxOf(rec.skippedAt, n(h[5]))
  rec.lastVerifiedAt = maxOf(rec.lastVerifiedAt, n(h[9]))
  rec.lockedUntil = maxOf(rec.lockedUntil, n(redis.call('GET', KEYS[3])))
  local here = n(h[6])
  if here ~= nil and (rec.lastSeenAt == nil or here > rec.lastSeenAt) then
    rec.lastSeenAt = here
    rec.lastSeenIp = h[7] or ''
    rec.lastSeenGroups = h[8] or '[]'
  end
end
local f = { 'generation', fmt(rec.generation), 'lastTimeStep', fmt(rec.lastTimeStep), 'lastSeenIp', rec.lastSeenIp, 'lastSeenGroups', rec.lastSeenGroups }
if rec.sealedSecret ~= '' then f[#f + 1] = 'sealedSecret'; f[#f + 1] = rec.sealedSecret end
for _, k in ipairs({ 'enrolledAt', 'firstPromptedAt', 'skippedAt', 'lastSeenAt', 'lastVerifiedAt' }) do
  if rec[k] ~= nil then f[#f + 1] = k; f[#f + 1] = fmt(rec[k]) end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], unpack(f))
redis.call('ZADD', KEYS[5], 0, name)
local groups = tonumber(ARGV[15])
for i = 16, 15 + groups do redis.call('ZADD', KEYS[10], 0, ARGV[i]) end
for i = 16 + groups, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
local now = tonumber(ARGV[2])
if rec.lockedUntil ~= nil and rec.lockedUntil > now then
  redis.call('SET', KEYS[3], fmt(rec.lockedUntil), 'PX', fmt(rec.lockedUntil - now))
  redis.call('ZADD', KEYS[9], fmt(rec.lockedUntil), ARGV[3])
end
reindex()
return outcome`,

  /**
   * KEYS: failure log (ZSET scored by time), lock, lock index. ARGV: key, at,
   * windowMs, maxFailures, durationMs, unique member. A sliding log rather than
   * a fixed bucket: "5 failures in any 5 minutes" exactly, no burst at bucket edges.
   */
  ghFail: `
local at = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', at - tonumber(ARGV[3])))
redis.call('ZADD', KEYS[1], string.format('%.0f', at), ARGV[6])
local count = redis.call('ZCARD', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', at))
if count < tonumber(ARGV[4]) then return { count, false } end
local untilAt = string.format('%.0f', at + tonumber(ARGV[5]))
redis.call('SET', KEYS[2], untilAt, 'PX', ARGV[5])
redis.call('ZADD', KEYS[3], untilAt, ARGV[1])
redis.call('DEL', KEYS[1])
return { count, untilAt }`,

  /** KEYS: failure log, lock, lock index. ARGV: key. */
  ghClear: `
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1`,

  /**
   * KEYS: stream, user index, type index. ARGV: at, maxLen, userCap, typeCap,
   * hasUser ('1'|'0'), field, value, …
   *
   * The entry id's milliseconds are the event's own time (clamped so ids keep
   * increasing), so "before" pages with a range query instead of a scan.
   * Index members pad the sequence so equal-millisecond ids sort in order.
   */
  ghAudit: `
local at = tonumber(ARGV[1])
local ms, seq = at, 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then
  local lms, lseq = string.match(top[1][1], '^(%d+)-(%d+)$')
  lms = tonumber(lms)
  if lms >= ms then ms = lms; seq = tonumber(lseq) + 1 end
end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = string.format('%.0f-%.0f', ms, seq)
local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], id, unpack(fields))
if type(added) == 'table' and added.err then
  -- The stream's last id is ahead of its newest entry (entries deleted by hand): let Redis pick.
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(fields))
  ms, seq = string.match(id, '^(%d+)-(%d+)$')
  ms = tonumber(ms); seq = tonumber(seq)
end
local member = string.format('%.0f-%010.0f', ms, seq)
local oldest = string.match(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1][1], '^(%d+)')
local function index(key, cap)
  redis.call('ZADD', key, string.format('%.0f', ms), member)
  -- Entries trimmed from the stream leave the index too, so it stays bounded.
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. oldest)
  redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(cap) + 1))
end
if ARGV[5] == '1' then index(KEYS[2], ARGV[3]) end
index(KEYS[3], ARGV[4])
return id`,
} as const;

export type ScriptName = keyof typeof scripts;

export const scriptKeyCounts: Record<ScriptName, number> = {
  ghTouch: USER_KEY_COUNT,
  ghEnrol: USER_KEY_COUNT,
  ghAccept: USER_KEY_COUNT,
  ghUseCode: USER_KEY_COUNT,
  ghReplaceCodes: USER_KEY_COUNT,
  ghSkip: USER_KEY_COUNT,
  ghReset: USER_KEY_COUNT,
  ghImport: USER_KEY_COUNT,
  ghFail: 3,
  ghClear: 3,
  ghAudit: 3,
};
