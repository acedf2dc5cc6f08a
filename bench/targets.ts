/**
 * The throughput targets (one per row of the table) and the interleaved
 * measurement: every round runs every target once (A B C, B C A, …), so
 * slow drifts of a shared machine hit all targets alike.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TRUSTED_CLIENT, type Instance, type SessionCookie } from './gatehouse.js';
import type { Loader } from './load.js';
import { benchCpuMicros, cpuMicros, machineBusyMicros, sampleRss } from './proc.js';
import { f0, f1, f2, type RunSample } from './report.js';
import type { BenchSettings } from './settings.js';

/** The target every other one is measured against, run between them (measureRounds). */
export const REFERENCE_ID = 'bare';

export interface Target {
  id: string;
  label: string;
  /** Which process the CPU and RSS columns are of. */
  process: string;
  url: () => string;
  headers: () => Record<string, string>;
  pids: () => number[];
  /** Runs before every measured run (keeps the session cookie as fresh as a browser would). */
  before?: () => Promise<void>;
  /** Count the intranet's /api/me requests during the run. */
  countLookups: boolean;
  /** Expected body length in the pre-check (the 2 KB page), or null to check the status only. */
  expectLength: number | null;
  /** Targets served by one process in turn (the policy sizes): their order among themselves changes every round too (roundOrder). */
  group?: string;
}

export interface TargetWorld {
  S: BenchSettings;
  upstream: { url: string; pid: number };
  bare: { url: string; tree: () => number[] };
  /** The bare proxy as a cluster of as many workers as Gatehouse's (only when the cluster is measured). */
  bareCluster: { url: string; tree: () => number[] } | null;
  nginx: { url: string; tree: () => number[] } | null;
  gh: Map<string, Instance>;
  cookies: Map<string, SessionCookie>;
  sidAlice: string;
  sidBob: string;
  /** Identity headers a trusted SSO proxy would send for alice (header mode). */
  aliceHeaders: Record<string, string>;
  /** Instances of other builds (lookup-b, lookup-c, …) for A/B comparisons. */
  compareNames: string[];
  /** Sets the 'policy' instance to this many trusted CIDRs and enrolled users (while it runs). */
  setPolicySize: (cidrs: number, users: number) => Promise<void>;
}

export function buildTargets(w: TargetWorld): Target[] {
  const { S, gh, cookies, sidAlice, sidBob, aliceHeaders } = w;
  const has = (name: string): boolean => gh.has(name);
  const inst = (name: string): Instance => gh.get(name)!;
  const verified = (name: string) => (): Record<string, string> =>
    inst(name).spec.mode === 'lookup'
      ? { cookie: `sid=${sidAlice}; gh_s=${cookies.get(name)!.value}` }
      : { ...aliceHeaders, cookie: `gh_s=${cookies.get(name)!.value}` };
  const refresh = (name: string) => async (): Promise<void> => {
    await cookies.get(name)!.refresh(inst(name).url + '/page2k', verified(name), (S.leadIn + S.duration) * 1000);
  };
  const pids = (name: string) => (): number[] => inst(name).child.tree();
  const url = (name: string, path = '/page2k') => (): string => inst(name).url + path;
  const verifiedTarget = (id: string, name: string, label: string, process = 'gatehouse'): Target[] =>
    has(name)
      ? [{ id, label, process, url: url(name), headers: verified(name), pids: pids(name), before: refresh(name), countLookups: inst(name).spec.mode === 'lookup', expectLength: 2048 }]
      : [];
  const policySized = (id: string, label: string, cidrs: number, users: number): Target[] =>
    verifiedTarget(id, 'policy', label).map((t) => ({
      ...t,
      group: 'policy',
      before: async () => {
        await w.setPolicySize(cidrs, users);
        await t.before!();
      },
    }));
  // The reference proxies get the same Cookie header as Gatehouse, so header parsing costs the same.
  const sameCookie = (): Record<string, string> => ({ cookie: `sid=${sidAlice}; gh_s=${cookies.get('lookup')?.value ?? 'x'}` });

  return [
    { id: 'upstream', label: 'upstream alone (no proxy)', process: 'intranet', url: () => `${w.upstream.url}/page2k`, headers: sameCookie, pids: () => [w.upstream.pid], countLookups: false, expectLength: 2048 },
    { id: 'bare', label: 'bare @fastify/http-proxy', process: 'bare proxy', url: () => `${w.bare.url}/page2k`, headers: sameCookie, pids: w.bare.tree, countLookups: false, expectLength: 2048 },
    ...(w.nginx ? [{ id: 'nginx', label: 'nginx', process: 'nginx (master+workers)', url: () => `${w.nginx!.url}/page2k`, headers: sameCookie, pids: w.nginx.tree, countLookups: false, expectLength: 2048 }] : []),
    ...verifiedTarget('gh-lookup', 'lookup', 'Gatehouse verified, lookup'),
    ...w.compareNames.flatMap((name) => {
      const letter = name.slice(-1).toUpperCase();
      return verifiedTarget(`gh-${name}`, name, `${letter}: verified, lookup`, `gatehouse (${letter} build)`);
    }),
    ...verifiedTarget('gh-header', 'header', 'Gatehouse verified, header'),
    ...(has('misc')
      ? [
          { id: 'gh-oos', label: 'Gatehouse out-of-scope user', process: 'gatehouse', url: url('misc'), headers: () => ({ cookie: `sid=${sidBob}` }), pids: pids('misc'), countLookups: true, expectLength: 2048 },
          {
            id: 'gh-trusted',
            label: 'Gatehouse trusted-IP user',
            process: 'gatehouse',
            url: url('misc'),
            // No gh_s cookie: the trusted network alone lets alice through.
            headers: () => ({ cookie: `sid=${sidAlice}`, 'x-forwarded-for': TRUSTED_CLIENT }),
            pids: pids('misc'),
            countLookups: true,
            expectLength: 2048,
          },
          { id: 'gh-bypass', label: 'Gatehouse bypassed asset', process: 'gatehouse', url: url('misc', '/assets/app.js'), headers: verified('misc'), pids: pids('misc'), countLookups: true, expectLength: null },
        ]
      : []),
    // The same process at three policy sizes, each set right before its runs.
    ...policySized('gh-policy-small', `Gatehouse verified, ${S.smallCidrs} CIDRs, ${S.smallUsers} users`, S.smallCidrs, S.smallUsers),
    ...policySized('gh-cidrs-big', `Gatehouse verified, ${f0(S.bigCidrs)} CIDRs`, S.bigCidrs, S.smallUsers),
    ...policySized('gh-users-big', `Gatehouse verified, ${f0(S.bigUsers)} users`, S.smallCidrs, S.bigUsers),
    ...verifiedTarget('gh-cluster', 'cluster', 'Gatehouse cluster (workers)', 'gatehouse (all workers)'),
    ...(w.bareCluster && has('cluster')
      ? [{ id: 'bare-cluster', label: 'bare proxy cluster (same workers)', process: 'bare proxy (all workers)', url: () => `${w.bareCluster!.url}/page2k`, headers: sameCookie, pids: w.bareCluster.tree, countLookups: false, expectLength: 2048 }]
      : []),
  ].filter((t) => !S.only || S.only.includes(t.id) || t.id === 'bare' || (t.id === 'bare-cluster' && S.only.includes('gh-cluster')));
}

/** Every target must answer what it claims before it is measured: a 302 to the challenge is not a verified request. */
export async function preCheck(targets: readonly Target[]): Promise<void> {
  for (const t of targets) {
    await t.before?.();
    const res = await fetch(t.url(), { headers: t.headers(), redirect: 'manual' });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || (t.expectLength !== null && body.length !== t.expectLength)) {
      throw new Error(`pre-check of '${t.id}': status ${res.status}, ${body.length} bytes (${body.subarray(0, 200).toString()})`);
    }
  }
}

export async function measureRounds(
  targets: readonly Target[],
  S: BenchSettings,
  loader: Loader,
  lookupsSoFar: () => Promise<number>,
  log: (msg: string) => void,
): Promise<Map<string, RunSample[]>> {
  const load = (t: Target, seconds: number) => loader.run({ url: t.url(), headers: t.headers(), connections: S.connections, threads: S.threads, seconds });
  if (S.warmup > 0) {
    for (const t of targets) {
      await t.before?.();
      await load(t, S.warmup);
    }
  }

  const samples = new Map<string, RunSample[]>(targets.map((t) => [t.id, []]));
  const measure = async (t: Target, round: number): Promise<RunSample> => {
    await t.before?.();
    await sleep(200);
    if (S.leadIn > 0) await load(t, S.leadIn);
    const pids = t.pids();
    const me0 = t.countLookups ? await lookupsSoFar() : 0;
    const rss = sampleRss(t.pids, 250);
    const busy0 = machineBusyMicros();
    const mine0 = benchCpuMicros();
    const wall0 = performance.now();
    const cpu0 = cpuMicros(pids);
    const r = await load(t, S.duration);
    const cpu1 = cpuMicros(pids);
    const wallUs = (performance.now() - wall0) * 1000;
    const other = machineBusyMicros() - busy0 - (benchCpuMicros() - mine0);
    const rssMb = rss.stop();
    const me1 = t.countLookups ? await lookupsSoFar() : 0;
    const sample: RunSample = {
      round,
      rps: r.rps,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      cpuUsPerReq: (cpu1 - cpu0) / Math.max(1, r.requests),
      requests: r.requests,
      errors: r.errors,
      lookups: t.countLookups ? me1 - me0 : null,
      rssMb,
      otherCpuPct: Math.max(0, (other / wallUs) * 100),
    };
    samples.get(t.id)!.push(sample);
    log(
      `round ${round}/${S.rounds} ${t.id.padEnd(13)} ${f0(r.rps).padStart(7)} req/s  p99 ${f2(r.p99Ms)} ms  ${f1(sample.cpuUsPerReq)} µs/req  other ${f0(sample.otherCpuPct)}%` +
        (r.errors ? `  ${r.errors} errors` : ''),
    );
    return sample;
  };

  // The reference (the bare proxy) runs before the first target of a round
  // and after every target: each run is then judged against what the machine
  // gave a proxy seconds before and after it, not minutes away. On a shared
  // 2-core VM the speed drifts by 10-30 % within a minute; this cancels it.
  const reference = targets.find((t) => t.id === REFERENCE_ID);
  const others = targets.filter((t) => t !== reference);
  for (let round = 1; round <= S.rounds; round++) {
    let before = reference ? await measure(reference, round) : undefined;
    for (const t of roundOrder(others, round)) {
      const sample = await measure(t, round);
      const after = reference ? await measure(reference, round) : undefined;
      if (before && after) {
        sample.ref = {
          rps: (before.rps + after.rps) / 2,
          cpuUsPerReq: (before.cpuUsPerReq + after.cpuUsPerReq) / 2,
          p99Ms: (before.p99Ms + after.p99Ms) / 2,
        };
      }
      before = after;
    }
  }
  return samples;
}

/**
 * The six orders of three, arranged so that over six rounds each member runs
 * first twice and follows each other member three times (the last of one
 * round counting as followed by the first of the next).
 */
const ORDERS_OF_THREE = [
  [0, 1, 2],
  [0, 2, 1],
  [2, 1, 0],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
] as const;

/**
 * The order of a round: each round starts one target further on (A B C, B C A,
 * C A B …), so no target always runs first or last, where a machine that
 * speeds up or slows down within a round would favour it. Targets of one group
 * (one process switched between them) sit next to each other and would keep
 * their order, each always measured right after the same switch: in run A of
 * 2026-12-05 05:00, 100,000 users, always measured right after 99,900 users
 * were written and 10,000 networks reloaded away, ran 4-23 % over the small
 * policy in all 7 rounds. So a group of three also takes ORDERS_OF_THREE in
 * turn among its own places (a group of any other size rotates).
 */
export function roundOrder<T extends { group?: string }>(targets: readonly T[], round: number): T[] {
  const shift = (round - 1) % Math.max(1, targets.length);
  const order = [...targets.slice(shift), ...targets.slice(0, shift)];
  for (const group of new Set(targets.map((t) => t.group).filter(Boolean))) {
    const members = targets.filter((t) => t.group === group);
    const places = order.flatMap((t, i) => (t.group === group ? [i] : []));
    const n = members.length;
    const pick = (k: number): number => (n === 3 ? ORDERS_OF_THREE[(round - 1) % 6]![k]! : (k + round - 1) % n);
    places.forEach((place, k) => (order[place] = members[pick(k)]!));
  }
  return order;
}
