/**
 * Readiness: is this process fit to receive traffic? Policy loaded, store
 * reachable, upstream reachable, each reported on its own so an operator sees
 * which one is down. Every probe has a deadline: a hung Redis or intranet
 * must make readiness fail, not hang.
 */
import { request } from 'undici';
import type { Services } from '../gate/services.js';

export interface CheckResult {
  status: 'ok' | 'down';
  detail?: string;
  /** How long the probe took. */
  ms: number;
}

export interface Readiness {
  ready: boolean;
  body: { status: 'ready' | 'not ready'; checks: { policy: CheckResult; store: CheckResult; upstream: CheckResult } };
}

const PROBE_TIMEOUT_MS = 2000;

async function probe(run: () => Promise<string | undefined>): Promise<CheckResult> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    const detail = await Promise.race([run(), timeout]);
    return { status: 'ok', ...(detail ? { detail } : {}), ms: Math.round(performance.now() - t0) };
  } catch (err) {
    return { status: 'down', detail: (err as Error).message, ms: Math.round(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
  }
}

async function upstreamAnswers(url: string): Promise<string> {
  const res = await request(url, { method: 'HEAD', headersTimeout: PROBE_TIMEOUT_MS, bodyTimeout: PROBE_TIMEOUT_MS });
  await res.body.dump();
  // Any answer (a redirect to the login page, a 404) means the intranet is up;
  // only a failed connection or a timeout is "down".
  return `HTTP ${res.statusCode}`;
}

export async function readiness(s: Services): Promise<Readiness> {
  const live = s.runtime.live;
  const [store, upstream] = await Promise.all([
    probe(async () => {
      await s.store.ping();
      return s.store.kind;
    }),
    probe(() => upstreamAnswers(live.config.upstream.url)),
  ]);
  const policy: CheckResult = { status: 'ok', detail: `version ${live.version} loaded ${new Date(live.loadedAt).toISOString()}`, ms: 0 };
  const ready = policy.status === 'ok' && store.status === 'ok' && upstream.status === 'ok';
  return { ready, body: { status: ready ? 'ready' : 'not ready', checks: { policy, store, upstream } } };
}
