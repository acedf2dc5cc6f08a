/**
 * Knobs of the bench, from the environment, and the upstream (undici)
 * settings shared by Gatehouse and the bare proxy it is compared with.
 */

/**
 * The undici options Gatehouse's proxy plugin passes to @fastify/reply-from
 * (src/proxy/plugin.ts, with upstream.connections and upstream.timeout at
 * their defaults). The bare proxy must use exactly these, or the comparison
 * measures a configuration difference instead of the gate. Keep in sync.
 */
export const UNDICI_OPTIONS = {
  connections: 128,
  pipelining: 1,
  keepAliveTimeout: 60_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
} as const;

export interface BenchSettings {
  quick: boolean;
  /** Seconds per load run. */
  duration: number;
  /** Seconds of warm-up per target before the measured rounds. */
  warmup: number;
  /** Seconds of the same load right before every measured run, not measured. */
  leadIn: number;
  rounds: number;
  connections: number;
  threads: number;
  /** Bytes for the streamed download and upload. */
  streamBytes: number;
  websockets: number;
  wsMessages: number;
  bigCidrs: number;
  bigUsers: number;
  smallCidrs: number;
  smallUsers: number;
  /** 'wrk' | 'autocannon' | 'auto' (wrk when installed). */
  loader: string;
  /** Only these targets (comma list from BENCH_ONLY), or all. */
  only: string[] | null;
  nginx: boolean;
  /** Scheduling priority for the bench and every process it starts (inherited), e.g. -10 on a shared machine; null = unchanged. */
  nice: number | null;
}

function num(name: string, def: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got '${v}'`);
  return n;
}

export function settingsFromEnv(): BenchSettings {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  return {
    quick,
    duration: num('BENCH_DURATION', quick ? 2 : 3),
    // Gatehouse needs a few seconds of load before its CPU per request settles (JIT, heap growth).
    warmup: num('BENCH_WARMUP', quick ? 1 : 4),
    // A process that sat idle while the others ran needs a moment to be itself
    // again (CPU caches, branch predictors, heap regrowth): its first second
    // measures the wake-up, not what a request costs, so it is not measured.
    leadIn: num('BENCH_LEADIN', quick ? 0 : 1),
    rounds: num('BENCH_ROUNDS', quick ? 2 : 7),
    connections: num('BENCH_CONNECTIONS', 50),
    threads: num('BENCH_THREADS', 2),
    streamBytes: num('BENCH_STREAM_BYTES', quick ? 256 * 1024 ** 2 : 1024 ** 3),
    websockets: num('BENCH_WEBSOCKETS', 500),
    wsMessages: num('BENCH_WS_MESSAGES', quick ? 20 : 100),
    bigCidrs: num('BENCH_BIG_CIDRS', 10_000),
    bigUsers: num('BENCH_BIG_USERS', 100_000),
    smallCidrs: 10,
    smallUsers: 100,
    loader: process.env.BENCH_LOADER ?? 'auto',
    only: process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((s) => s.trim()).filter(Boolean) : null,
    nginx: process.env.BENCH_NGINX !== '0',
    nice: process.env.BENCH_NICE ? Number(process.env.BENCH_NICE) : null,
  };
}
