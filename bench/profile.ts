/**
 * `npm run bench:profile`: where a verified request's CPU goes. Runs the
 * bare proxy and Gatehouse (verified user, lookup mode) under the same wrk
 * load with `node --cpu-prof`, keeps only the samples taken while the load
 * ran, and prints self time per bucket (Gatehouse file, package, node, GC)
 * and per function as µs per request, side by side. The raw profiles stay in
 * .bench/profile/ for Chrome DevTools or speedscope.
 *
 * BENCH_PROFILE_SECONDS (default 15) per target; BENCH_NICE and
 * BENCH_GATEHOUSE_CLI as for `npm run bench`.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summariseProfile, type ProfileSummary } from './cpuprofile.js';
import { benchSecrets, intranetLogin, passChallenge, startGatehouse } from './gatehouse.js';
import { pickLoader } from './load.js';
import { firstMessage, freePort, runMain, startChild } from './proc.js';
import { f1 } from './report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));

const INCLUSIVE = [
  'file:src/proxy/plugin',
  'file:src/gate/evaluate',
  'evaluate',
  'contextOf',
  'decideFor',
  'normalisePath',
  'credentialOf',
  'readGatehouseCookies',
  'stripGatehouseCookies',
  'rewriteForwardHeaders',
  'sanitize',
  'resolve',
  'preDecide',
  'decide',
  'getUser',
  'state',
  'toState',
  'note',
  'session',
  'clientIp',
];

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 15);
  if (process.env.BENCH_NICE) setPriority(0, Number(process.env.BENCH_NICE));
  const outDir = join(ROOT, '.bench', 'profile');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'bare'), { recursive: true });
  mkdirSync(join(outDir, 'gatehouse'), { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-profile-'));
  const loader = pickLoader(process.env.BENCH_LOADER ?? 'auto', tmp);
  const node = process.execPath;

  const upPort = await freePort();
  const upstream = startChild('upstream', node, [join(HERE, 'upstream.js')], join(tmp, 'upstream.log'), { ipc: true, env: { ...process.env, BENCH_PORT: String(upPort) } });
  const upUrl = (await firstMessage<{ url: string }>(upstream)).url;

  const barePort = await freePort();
  const bareSpawned = performance.now();
  const bare = startChild('bare proxy', node, ['--cpu-prof', '--cpu-prof-dir', join(outDir, 'bare'), join(HERE, 'bare-proxy.js')], join(tmp, 'bare.log'), {
    ipc: true,
    env: { ...process.env, BENCH_PORT: String(barePort), BENCH_UPSTREAM: upUrl, NODE_ENV: 'production' },
  });
  const bareUrl = (await firstMessage<{ url: string }>(bare)).url;

  const secrets = benchSecrets();
  const gh = await startGatehouse(
    { name: 'profiled', mode: 'lookup', cidrs: 10, users: 100, workers: 1, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', join(outDir, 'gatehouse')] },
    upUrl,
    tmp,
    secrets,
  );
  const sid = await intranetLogin(upUrl, 'alice');
  const ghs = await passChallenge(gh.url, { cookie: `sid=${sid}` }, secrets);
  const headers = { cookie: `sid=${sid}; gh_s=${ghs}` };
  const check = await fetch(`${gh.url}/page2k`, { headers, redirect: 'manual' });
  if (check.status !== 200 || (await check.arrayBuffer()).byteLength !== 2048) throw new Error(`verified pre-check failed: ${check.status}`);

  const runs: Record<string, { rps: number; requests: number; window: { fromMs: number; toMs: number } }> = {};
  for (const [name, url, spawnedAt] of [
    ['bare', bareUrl, bareSpawned],
    ['gatehouse', gh.url, gh.spawnedAt],
  ] as const) {
    const req = { url: `${url}/page2k`, headers, connections: 50, threads: 2, seconds: 3 };
    await loader.run(req);
    process.stderr.write(`profiling ${name} for ${seconds} s…\n`);
    const from = performance.now() - spawnedAt;
    const r = await loader.run({ ...req, seconds });
    const to = performance.now() - spawnedAt;
    runs[name] = { rps: r.rps, requests: r.requests, window: { fromMs: from, toMs: to } };
  }
  await gh.stop();
  await bare.stop();
  await upstream.stop();

  const lines: string[] = [];
  const summaries: Record<string, ProfileSummary> = {};
  for (const name of ['bare', 'gatehouse'] as const) {
    const dir = join(outDir, name);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
    const r = runs[name]!;
    summaries[name] = summariseProfile(join(dir, file), r.requests, INCLUSIVE, r.window);
    lines.push(`${name}: ${Math.round(r.rps)} req/s under the profiler, ${f1(summaries[name].busyUsPerReq)} µs CPU per request (profile: ${join('.bench/profile', name, file)})`);
  }
  const b = summaries.bare!;
  const g = summaries.gatehouse!;
  lines.push('', 'Self time per bucket, µs per request (main thread only):', '');
  const names = [...new Set([...g.buckets.map((x) => x.name), ...b.buckets.map((x) => x.name)])];
  const val = (s: ProfileSummary, n: string): number => s.buckets.find((x) => x.name === n)?.usPerReq ?? 0;
  const rows = names
    .map((n) => ({ n, bare: val(b, n), gh: val(g, n) }))
    .sort((x, y) => Math.max(y.gh, y.bare) - Math.max(x.gh, x.bare))
    .filter((r) => r.gh >= 0.05 || r.bare >= 0.05);
  lines.push(`${'bucket'.padEnd(44)} ${'bare'.padStart(8)} ${'gatehouse'.padStart(10)} ${'diff'.padStart(8)}`);
  for (const r of rows) lines.push(`${r.n.padEnd(44)} ${f1(r.bare).padStart(8)} ${f1(r.gh).padStart(10)} ${((r.gh - r.bare >= 0 ? '+' : '') + f1(r.gh - r.bare)).padStart(8)}`);
  lines.push(`${'total (busy)'.padEnd(44)} ${f1(b.busyUsPerReq).padStart(8)} ${f1(g.busyUsPerReq).padStart(10)} ${('+' + f1(g.busyUsPerReq - b.busyUsPerReq)).padStart(8)}`);
  lines.push('', 'Gatehouse: inclusive time of its hot-path functions, µs per request:', '');
  for (const x of g.inclusive.filter((x) => x.usPerReq > 0).sort((p, q) => q.usPerReq - p.usPerReq)) lines.push(`  ${x.name.padEnd(40)} ${f1(x.usPerReq).padStart(6)}  (${f1(x.pct)}%)`);
  lines.push('', 'Gatehouse: top 40 functions by self time, µs per request:', '');
  for (const x of g.functions.slice(0, 40)) lines.push(`  ${f1(x.usPerReq).padStart(6)}  ${f1(x.pct).padStart(5)}%  ${x.name}  ${x.where}`);
  lines.push('', 'Bare proxy: top 15 functions by self time, µs per request:', '');
  for (const x of b.functions.slice(0, 15)) lines.push(`  ${f1(x.usPerReq).padStart(6)}  ${f1(x.pct).padStart(5)}%  ${x.name}  ${x.where}`);
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  writeFileSync(join(outDir, 'summary.txt'), text);
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summaries, null, 2));
  rmSync(tmp, { recursive: true, force: true });
}

runMain('profile', main);
