/**
 * `npm run bench`: Gatehouse side by side with a bare @fastify/http-proxy
 * (same undici settings) and nginx when installed, in front of the demo
 * intranet, each server in its own process. Throughput targets are run in
 * alternation over several rounds (A B C A B C …) because a 2-core machine
 * is noisy, and medians are reported. Then the scenarios that are not about
 * throughput: a cold burst of one credential, 1 GB each way, 500 WebSockets,
 * and a `server.workers` cluster against nginx. Prints the issue 7 targets as
 * MET / NOT MET / NOT MEASURED and writes the whole result to .bench/.
 *
 * Environment (docs/performance.md has the details): BENCH_QUICK=1 (about a
 * minute), BENCH_ROUNDS, BENCH_DURATION (s per run), BENCH_WARMUP,
 * BENCH_CONNECTIONS, BENCH_THREADS, BENCH_STREAM_BYTES, BENCH_WEBSOCKETS,
 * BENCH_WS_MESSAGES, BENCH_BIG_CIDRS, BENCH_BIG_USERS,
 * BENCH_LOADER=wrk|autocannon, BENCH_NGINX=0, BENCH_ONLY=id,… (table rows and
 * burst, streams, ws), BENCH_KEEP=1 (keep the temp dir with every config and
 * log), BENCH_NICE=-10 (priority over the rest of a shared machine),
 * BENCH_COMPARE_CLI=other/dist/src/cli.js (a second build, optionally preceded by node flags, measured in the
 * same rounds: A/B of a change), BENCH_GATEHOUSE_CLI (the build measured as
 * A; default this tree's).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { evaluateChecks } from './checks.js';
import { gateCostLines, measureGateCost, type GateCost } from './gate-cost.js';
import { benchSecrets, intranetLogin, passChallenge, resizeUsers, SessionCookie, setTrustedIps, startGatehouse, type Instance, type InstanceSpec } from './gatehouse.js';
import { pickLoader } from './load.js';
import { findNginx, startNginx } from './nginx.js';
import { firstMessage, freePort, peakRssMb, runMain, startChild, type Child } from './proc.js';
import { burstLine, f0, f1, f2, renderReport, summarise, wsLine } from './report.js';
import { coldBurst, download, upload, websockets, type BurstResult, type StreamResult, type WsResult } from './scenarios.js';
import { settingsFromEnv, UNDICI_OPTIONS } from './settings.js';
import { buildTargets, measureRounds, preCheck } from './targets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));

const log = (msg: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

async function main(): Promise<void> {
  const S = settingsFromEnv();
  // Children inherit it: servers, nginx and wrk all run at this priority, the rest of a shared machine below them.
  if (S.nice !== null) setPriority(0, S.nice);
  const started = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const loader = pickLoader(S.loader, tmp);
  const nginxBin = S.nginx ? findNginx() : null;
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAverageAtStart: loadavg()[0]!,
    node: process.version,
    loader: loader.name,
    nginx: nginxBin ? execFileSync(nginxBin, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || 'nginx' : null,
  };
  log(`${S.quick ? 'QUICK' : 'full'} run: ${S.rounds} rounds × ${S.duration} s, ${S.connections} connections, ${S.threads} threads, loader ${loader.name}, ${machine.cpus} CPUs (${machine.cpuModel})`);
  if (machine.loadAverageAtStart > machine.cpus / 2) {
    log(`warning: load average ${f2(machine.loadAverageAtStart)} on ${machine.cpus} CPUs before starting: other work will skew the numbers (see the 'other CPU %' column; BENCH_NICE=-10 helps)`);
  }
  if (!nginxBin) log(S.nginx ? 'nginx not found: the nginx comparison and the workers target are skipped (optional: apt-get install nginx)' : 'nginx disabled (BENCH_NGINX=0)');
  log(`temp dir ${tmp}`);
  const want = (id: string): boolean => !S.only || S.only.includes(id);

  // ---- processes -----------------------------------------------------------------
  const node = process.execPath;
  const upPort = await freePort();
  const upstream = startChild('upstream', node, [join(HERE, 'upstream.js')], join(tmp, 'upstream.log'), { ipc: true, env: { ...process.env, BENCH_PORT: String(upPort) } });
  const upUrl = (await firstMessage<{ url: string }>(upstream)).url;
  let statsId = 0;
  // Counted by the intranet's own process and read over IPC, so reading it costs no request.
  const meRequests = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const id = ++statsId;
      const t = setTimeout(() => reject(new Error('upstream stats: no answer')), 5000);
      const on = (m: { type?: string; id?: number; stats?: { meRequests: number } }): void => {
        if (m?.type !== 'stats' || m.id !== id) return;
        clearTimeout(t);
        upstream.proc.off('message', on);
        resolve(m.stats!.meRequests);
      };
      upstream.proc.on('message', on);
      upstream.proc.send({ type: 'stats', id });
    });
  log(`upstream (demo intranet) at ${upUrl}, pid ${upstream.pid}`);

  const barePort = await freePort();
  const bare = startChild('bare proxy', node, [join(HERE, 'bare-proxy.js')], join(tmp, 'bare.log'), {
    ipc: true,
    env: { ...process.env, BENCH_PORT: String(barePort), BENCH_UPSTREAM: upUrl, NODE_ENV: 'production' },
  });
  const bareUrl = (await firstMessage<{ url: string }>(bare)).url;
  log(`bare @fastify/http-proxy at ${bareUrl}, pid ${bare.pid}, undici ${JSON.stringify(UNDICI_OPTIONS)}`);

  let nginx: Child | null = null;
  let nginxUrl = '';
  if (nginxBin) {
    const port = await freePort();
    const dir = join(tmp, 'nginx');
    mkdirSync(dir, { recursive: true });
    nginx = await startNginx(nginxBin, dir, port, upPort);
    nginxUrl = `http://127.0.0.1:${port}`;
    log(`nginx at ${nginxUrl}, pids ${nginx.tree().join(' ')}`);
  }

  const secrets = benchSecrets();
  const small = { cidrs: S.smallCidrs, users: S.smallUsers, workers: 1 };
  // Which instance serves which target (BENCH_ONLY starts only what it needs).
  const instances: { spec: InstanceSpec; serves: string[] }[] = [
    // Every verified-request row has an instance of its own, so each sits idle
    // for the same time between its runs and the rows compare like for like
    // (the policy-size checks divide one by another); the other rows share one.
    { spec: { name: 'lookup', mode: 'lookup', ...small }, serves: ['gh-lookup', 'burst', 'streams', 'ws'] },
    { spec: { name: 'misc', mode: 'lookup', ...small }, serves: ['gh-oos', 'gh-trusted', 'gh-bypass'] },
    { spec: { name: 'header', mode: 'header', ...small }, serves: ['gh-header'] },
    // One process for the three policy sizes, switched between runs (trusted IPs through the
    // JSON API, users written to its store): the flatness checks then compare a process with
    // itself. Two processes with the same work differ by 3-20 % for their whole life here,
    // more than the 5 % those checks allow.
    { spec: { name: 'policy', mode: 'lookup', ...small, apiToken: randomBytes(24).toString('hex') }, serves: ['gh-policy-small', 'gh-cidrs-big', 'gh-users-big'] },
  ];
  // Other builds (comma-separated) measured as B, C, … in the same rounds as A.
  const compareClis = (process.env.BENCH_COMPARE_CLI ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const compareNames: string[] = [];
  compareClis.forEach((cli, i) => {
    const name = `lookup-${String.fromCharCode(98 + i)}`;
    compareNames.push(name);
    // An entry may start with node flags: "--max-semi-space-size=4 dist/src/cli.js".
    const words = cli.split(/\s+/);
    const nodeArgs = words.slice(0, -1);
    instances.push({ spec: { name, mode: 'lookup', ...small, cli: words.at(-1)!, ...(nodeArgs.length ? { nodeArgs } : {}) }, serves: [`gh-${name}`] });
    log(`${String.fromCharCode(66 + i)} build: ${cli}`);
  });
  const gh = new Map<string, Instance>();
  for (const { spec } of instances.filter((i) => i.serves.some(want))) {
    const inst = await startGatehouse(spec, upUrl, tmp, secrets);
    gh.set(spec.name, inst);
    log(`gatehouse '${spec.name}' (${spec.mode}, ${f0(spec.cidrs)} trusted CIDRs, ${f0(spec.users)} enrolled users, seeded in ${f0(inst.seedMs)} ms) at ${inst.url}, pid ${inst.child.pid}`);
  }

  // server.workers: measured only when `serve` really starts a cluster.
  let clusterWhyNot = '';
  let bareCluster: Child | null = null;
  let bareClusterUrl = '';
  if (!nginxBin) {
    clusterWhyNot = S.nginx ? 'nginx is not installed (apt-get install nginx): nothing to compare with' : 'nginx disabled (BENCH_NGINX=0): nothing to compare with';
  } else if (!want('gh-cluster')) {
    clusterWhyNot = 'not selected (BENCH_ONLY)';
  } else {
    const inst = await startGatehouse({ name: 'cluster', mode: 'lookup', ...small, workers: 0 }, upUrl, tmp, secrets);
    await sleep(1500);
    const workers = inst.child.tree().length - 1;
    if (workers >= 1) {
      gh.set('cluster', inst);
      // The same cluster of the bare proxy: what any Fastify + reply-from proxy reaches here.
      const port = await freePort();
      bareCluster = startChild('bare proxy cluster', node, [join(HERE, 'bare-proxy.js')], join(tmp, 'bare-cluster.log'), {
        ipc: true,
        env: { ...process.env, BENCH_PORT: String(port), BENCH_UPSTREAM: upUrl, BENCH_WORKERS: String(workers), NODE_ENV: 'production' },
      });
      bareClusterUrl = (await firstMessage<{ url: string }>(bareCluster)).url;
      log(`gatehouse 'cluster' (server.workers: 0 = one per core) at ${inst.url}: ${workers} worker process(es)`);
    } else {
      clusterWhyNot = '`gatehouse serve` with server.workers: 0 started no worker processes: the cluster is not implemented yet';
      await inst.stop();
      log(`cluster not measured: ${clusterWhyNot}`);
    }
  }

  // ---- credentials: real intranet logins, real challenge answers ------------------
  const sidAlice = await intranetLogin(upUrl, 'alice');
  const sidBob = await intranetLogin(upUrl, 'bob');
  const aliceHeaders = { 'x-remote-user': 'alice', 'x-remote-groups': 'finance,staff' };
  const cookies = new Map<string, SessionCookie>();
  for (const [name, inst] of gh) {
    const proof = inst.spec.mode === 'lookup' ? { cookie: `sid=${sidAlice}` } : aliceHeaders;
    cookies.set(name, new SessionCookie(await passChallenge(inst.url, proof, secrets)));
  }
  if (gh.size) log('alice passed the real challenge on every instance (genuine gh_s cookies)');

  // ---- throughput ------------------------------------------------------------------
  // The policy instance's current size; each of its rows sets the size it measures before its run.
  const policyNow = { cidrs: S.smallCidrs, users: S.smallUsers };
  const setPolicySize = async (cidrs: number, users: number): Promise<void> => {
    const inst = gh.get('policy')!;
    if (cidrs !== policyNow.cidrs) await setTrustedIps(inst, cidrs);
    if (users !== policyNow.users) await resizeUsers(inst.dataDir, users, secrets);
    Object.assign(policyNow, { cidrs, users });
  };
  const targets = buildTargets({
    setPolicySize,
    S,
    upstream: { url: upUrl, pid: upstream.pid },
    bare: { url: bareUrl, tree: () => bare.tree() },
    bareCluster: bareCluster ? { url: bareClusterUrl, tree: () => bareCluster!.tree() } : null,
    nginx: nginx ? { url: nginxUrl, tree: () => nginx!.tree() } : null,
    gh,
    cookies,
    sidAlice,
    sidBob,
    aliceHeaders,
    compareNames,
  });
  await preCheck(targets);
  log(`pre-checks passed; warming up ${targets.length} targets (${S.warmup} s each), then ${S.rounds} rounds`);
  const samples = await measureRounds(targets, S, loader, meRequests, log);
  const summaries = targets.map((t) => summarise(t.id, t.label, t.process, samples.get(t.id)!, peakRssMb(t.pids())));
  // Not the policy instance: its heap also holds the garbage of reloading 10,000 trusted IPs a
  // few times a minute (its own RSS column shows it), which is not what serving costs.
  const policyRows = instances.find((i) => i.spec.name === 'policy')!.serves;
  const rssThroughput = Math.max(
    ...summaries.filter((t) => t.id.startsWith('gh-') && t.id !== 'gh-cluster' && !policyRows.includes(t.id)).map((t) => t.rssUnderLoadMb),
  );

  // ---- cold burst ----------------------------------------------------------------
  const lookup = gh.get('lookup');
  const fresh = async (name: string): Promise<Record<string, string>> => {
    const c = cookies.get(name)!;
    const header = (): Record<string, string> => ({ cookie: `sid=${sidAlice}; gh_s=${c.value}` });
    // Take a renewed cookie first if one is due, as a browser would have.
    await c.refresh(`${gh.get(name)!.url}/page2k`, header, 0);
    return header();
  };
  let burst: BurstResult | null = null;
  if (lookup && want('burst')) {
    const freshBob = await intranetLogin(upUrl, 'bob');
    burst = await coldBurst(lookup.url, '/page2k', `sid=${freshBob}`, 100, meRequests);
    log(burstLine(burst));
  }

  // ---- 1 GB each way ---------------------------------------------------------------
  const streams: { via: string; r: StreamResult }[] = [];
  if (lookup && S.streamBytes > 0 && want('streams')) {
    const hdr = await fresh('lookup');
    const tree = () => lookup.child.tree();
    streams.push({ via: 'gatehouse', r: await download(lookup.url, hdr, S.streamBytes, tree) });
    streams.push({ via: 'gatehouse', r: await upload(lookup.url, hdr, S.streamBytes, tree) });
    streams.push({ via: 'bare proxy', r: await download(bareUrl, hdr, S.streamBytes, () => bare.tree()) });
    streams.push({ via: 'bare proxy', r: await upload(bareUrl, hdr, S.streamBytes, () => bare.tree()) });
    for (const s of streams) log(`${s.r.direction} via ${s.via}: ${s.r.ok ? 'ok' : s.r.detail}, ${f1(s.r.seconds)} s, RSS +${f1(s.r.rssGrowthMb)} MB`);
  }

  // ---- WebSockets ----------------------------------------------------------------
  let ws: WsResult | null = null;
  if (lookup && S.websockets > 0 && want('ws')) {
    ws = await websockets(lookup.url, await fresh('lookup'), S.websockets, S.wsMessages, () => lookup.child.tree());
    log(wsLine(ws));
  }

  // ---- the gate alone (CPU time in-process: steady on a busy machine) -----------
  let gateCosts: GateCost[] = [];
  if (want('gate')) {
    gateCosts = await measureGateCost([
      { name: 'small', cidrs: S.smallCidrs, users: S.smallUsers },
      { name: 'cidrs-big', cidrs: S.bigCidrs, users: S.smallUsers },
      { name: 'users-big', cidrs: S.smallCidrs, users: S.bigUsers },
    ], S.quick ? 5_000 : 20_000);
    for (const line of gateCostLines(gateCosts)) log(line.trim());
  }

  // ---- targets and report ----------------------------------------------------------
  // Under load = sampled while serving (throughput, streams, WebSockets); VmHWM also counts start-up.
  const rssLoad = Math.max(rssThroughput, ...streams.filter((s) => s.via === 'gatehouse').map((s) => s.r.rssPeakMb), ws?.rssPeakMb ?? -Infinity);
  const vmHwm = Object.fromEntries([...gh].map(([name, i]) => [name, peakRssMb(i.child.tree())]));
  const checks = evaluateChecks({ S, summaries, burst, streams, rssLoad, rssThroughput, clusterWhyNot });
  process.stdout.write(renderReport({ startedAt: started, machine, loader: loader.name, settings: S, summaries, burst, streams, ws, checks, gateCostLines: gateCostLines(gateCosts) }));

  const result = {
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine,
    settings: S,
    undici: UNDICI_OPTIONS,
    gatehouseCli: process.env.BENCH_GATEHOUSE_CLI ?? null,
    compareClis,
    throughput: summaries,
    burst,
    streams,
    websockets: ws,
    gateCost: gateCosts,
    rssMb: { underLoad: rssLoad, throughput: rssThroughput, vmHwmByInstance: vmHwm },
    cluster: gh.has('cluster') ? { measured: true } : { measured: false, reason: clusterWhyNot },
    checks,
  };
  const dir = join(ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(result, null, 2);
  writeFileSync(join(dir, `results-${stamp}.json`), json);
  writeFileSync(join(dir, 'latest.json'), json);
  log(`results written to .bench/results-${stamp}.json and .bench/latest.json`);

  for (const inst of gh.values()) await inst.stop();
  await bare.stop();
  await bareCluster?.stop();
  if (nginx) await nginx.stop('SIGQUIT');
  await upstream.stop();
  if (process.env.BENCH_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
}

runMain('bench', main);
