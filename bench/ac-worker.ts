/**
 * autocannon in its own process (the fallback when wrk is missing): the
 * bench's main process stays idle while it runs, and the result comes back
 * as one JSON line in the shape of LoadResult.
 */
import autocannon from 'autocannon';
import type { LoadRequest, LoadResult } from './load.js';

const r = JSON.parse(process.argv[2] ?? '{}') as LoadRequest;
const res = await autocannon({
  url: r.url,
  connections: r.connections,
  duration: r.seconds,
  headers: r.headers,
});
const seconds = res.duration;
const out: LoadResult = {
  requests: res.requests.total,
  seconds,
  rps: res.requests.total / seconds,
  p50Ms: res.latency.p50,
  p99Ms: res.latency.p99,
  errors: res.errors + res.timeouts + res.non2xx - (res['3xx'] ?? 0),
};
process.stdout.write(JSON.stringify(out) + '\n');
