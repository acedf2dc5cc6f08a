/**
 * The gate alone: CPU time of one verified-request decision (evaluate():
 * path, client IP, cookies, credential, cached identity, policy, user state),
 * measured in-process with process.cpuUsage, without HTTP, proxying or the
 * load generator. CPU time, unlike wall time, barely moves when other
 * processes compete for the cores, so this is the steady number to compare
 * builds and policy sizes with on a busy machine.
 *
 * Run alone (`node dist/bench/gate-cost.js`) or from `npm run bench`.
 * BENCH_GATEHOUSE_DIST=path/to/other/dist (or BENCH_GATEHOUSE_CLI, as for
 * the HTTP bench) measures another build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { benchSecrets, configFor, intranetLogin, seedStore } from './gatehouse.js';
import { f1, f2, median } from './report.js';

export interface GateCost {
  variant: string;
  cidrs: number;
  users: number;
  /** Median CPU µs per evaluate() of a verified request. */
  usPerDecision: number;
  rule: string;
}

type Mod = Record<string, unknown>;

export async function measureGateCost(variants: { name: string; cidrs: number; users: number }[], calls = 20_000, rounds = 5): Promise<GateCost[]> {
  const cli = process.env.BENCH_GATEHOUSE_CLI;
  const dist = process.env.BENCH_GATEHOUSE_DIST || (cli ? join(dirname(cli), '..') : fileURLToPath(new URL('../', import.meta.url)));
  const load = (rel: string): Promise<Mod> => import(pathToFileURL(join(dist, rel)).href) as Promise<Mod>;
  const { buildApp } = (await load('src/app.js')) as { buildApp: (o: object) => Promise<{ services: Record<string, unknown>; close(): Promise<void> }> };
  const { parseConfig } = (await load('src/config/index.js')) as { parseConfig: (text: string, file: string) => unknown };
  const { SqliteStore } = (await load('src/store/sqlite.js')) as { SqliteStore: new (o: { dir: string }) => { close(): Promise<void>; getUser(u: string): Promise<{ generation: number } | null> } };
  const { evaluate } = (await load('src/gate/evaluate.js')) as { evaluate: (s: unknown, r: unknown) => Promise<{ kind: string; decision?: { rule: string } }> };
  const { startIntranet } = (await load('demo/intranet.js')) as { startIntranet: (o: object) => Promise<{ url: string; close(): Promise<void> }> };

  const intranet = await startIntranet({ port: 0, quiet: true });
  const secrets = benchSecrets();
  const sid = await intranetLogin(intranet.url, 'alice');
  const out: GateCost[] = [];
  try {
    // Interleaved like the HTTP bench: every variant once per round.
    const built: { v: (typeof variants)[number]; s: Record<string, unknown>; headers: Record<string, string>; close: () => Promise<void>; dir: string }[] = [];
    for (const v of variants) {
      const dir = mkdtempSync(join(tmpdir(), 'gatehouse-gatecost-'));
      await seedStore(dir, v.users, secrets);
      const config = parseConfig(YAML.stringify(configFor({ name: v.name, mode: 'lookup', cidrs: v.cidrs, users: v.users, workers: 1 }, 1, intranet.url, dir, secrets)), join(dir, 'gatehouse.yaml'));
      const store = new SqliteStore({ dir });
      const gh = await buildApp({ config, store, logger: false });
      const s = gh.services as { identity: { credential(h: object): { hash: string } }; cookies: { signSession(c: object): string } };
      const now = Date.now();
      const cred = s.identity.credential({ cookie: `sid=${sid}` });
      const generation = (await store.getUser('alice'))?.generation ?? 0;
      const gh_s = s.cookies.signSession({ user: 'alice', generation, credential: cred.hash, verifiedAt: now, activeAt: now });
      const headers = { host: '127.0.0.1:8080', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)', accept: 'text/html', cookie: `sid=${sid}; gh_s=${gh_s}` };
      built.push({ v, s: gh.services, headers, dir, close: async () => { await gh.close(); await store.close(); } });
    }
    const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const rules = new Map<string, string>();
    const once = async (b: (typeof built)[number]): Promise<string> => {
      // Fresh headers each time: sanitize() edits them in place, as it does a real request's.
      const o = await evaluate(b.s, { method: 'GET', url: '/page2k', headers: { ...b.headers }, socketAddress: '127.0.0.1' });
      return o.kind === 'decided' ? o.decision!.rule : o.kind;
    };
    for (const b of built) {
      // Warm: the identity look-up happens here (then cached), and the JIT settles.
      for (let i = 0; i < 2000; i++) rules.set(b.v.name, await once(b));
    }
    for (let r = 0; r < rounds; r++) {
      for (const b of built) {
        const c0 = process.cpuUsage();
        for (let i = 0; i < calls; i++) await once(b);
        const c = process.cpuUsage(c0);
        samples.get(b.v.name)!.push((c.user + c.system) / calls);
      }
    }
    for (const b of built) {
      out.push({ variant: b.v.name, cidrs: b.v.cidrs, users: b.v.users, usPerDecision: median(samples.get(b.v.name)!), rule: rules.get(b.v.name)! });
      await b.close();
      rmSync(b.dir, { recursive: true, force: true });
    }
  } finally {
    await intranet.close();
  }
  return out;
}

export function gateCostLines(costs: GateCost[]): string[] {
  const base = costs[0];
  return costs.map(
    (c) =>
      `  ${c.variant.padEnd(10)} ${String(c.cidrs).padStart(6)} CIDRs ${String(c.users).padStart(7)} users: ${f1(c.usPerDecision).padStart(5)} µs CPU per verified decision` +
      (base && c !== base ? ` (${f2(c.usPerDecision / base.usPerDecision)}× ${base.variant})` : '') +
      (c.rule !== 'session' ? `  [decided by '${c.rule}', expected 'session']` : ''),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const costs = await measureGateCost([
    { name: 'small', cidrs: 10, users: 100 },
    { name: 'cidrs-big', cidrs: Number(process.env.BENCH_BIG_CIDRS ?? 10_000), users: 100 },
    { name: 'users-big', cidrs: 10, users: Number(process.env.BENCH_BIG_USERS ?? 100_000) },
  ]);
  process.stdout.write(['Gate alone (evaluate(), in-process, median CPU time):', ...gateCostLines(costs)].join('\n') + '\n');
  process.exit(0);
}
