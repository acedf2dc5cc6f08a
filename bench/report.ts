/**
 * Medians, the printed table, the targets of issue 7 judged as MET / NOT MET
 * (or NOT MEASURED, with the reason), and the JSON written to .bench/.
 */
import type { BurstResult, StreamResult, WsResult } from './scenarios.js';

export interface RunSample {
  round: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the proxy process tree during the run, per request. */
  cpuUsPerReq: number;
  requests: number;
  errors: number;
  /** /api/me requests the intranet saw during the run (lookup-mode Gatehouse only). */
  lookups: number | null;
  /** Highest RSS of the proxy process tree sampled during the run, MB. */
  rssMb: number;
  /**
   * CPU the rest of the machine (processes the bench did not start) used
   * during the run, in % of one core: the noise this sample was taken in.
   */
  otherCpuPct: number;
  /**
   * The reference proxy's (bare) runs just before and just after this one,
   * averaged: what the machine gave a proxy at this very moment. Absent on
   * the reference's own runs.
   */
  ref?: { rps: number; cpuUsPerReq: number; p99Ms: number };
}

export interface TargetSummary {
  id: string;
  label: string;
  /** Which process the CPU and RSS columns are of. */
  process: string;
  runs: RunSample[];
  median: { rps: number; p50Ms: number; p99Ms: number; cpuUsPerReq: number };
  /** (max - min) / median of req/s over the rounds: how noisy this target was. */
  spreadPct: number;
  /** VmHWM of the proxy process tree at the end of the throughput phase (includes start-up). */
  peakRssMb: number;
  /** Highest RSS sampled while this target was under load. */
  rssUnderLoadMb: number;
  otherCpuPct: number;
  lookups: number | null;
  errors: number;
}

export interface TargetCheck {
  name: string;
  required: string;
  measured: string;
  status: 'MET' | 'NOT MET' | 'NOT MEASURED';
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * a's value ÷ b's value, drift cancelled. Every run of a target sits between
 * two runs of the reference proxy (measureRounds), so each run is first
 * divided by its own reference: what the machine gave a proxy at that moment
 * cancels out. Against the reference itself that is the result (the median
 * of those normalised values); between two targets it is the ratio of their
 * medians. Once each run carries its own reference, pairing a's round with
 * b's adds nothing but the noise of a second sample to every ratio.
 */
export function pairedRatio(a: TargetSummary, b: TargetSummary, field: 'rps' | 'cpuUsPerReq' | 'p99Ms'): number {
  const normalised = (t: TargetSummary): number => median(t.runs.filter((r) => r.ref).map((r) => r[field] / r.ref![field]));
  const isReference = b.runs.every((x) => !x.ref);
  return isReference ? normalised(a) : normalised(a) / normalised(b);
}

/** Median over the runs of all `rows` of (the run's p99 − the reference runs' around it): the latency they add, drift cancelled. */
export function pairedP99Added(rows: readonly TargetSummary[]): number {
  return median(rows.flatMap((a) => a.runs.filter((r) => r.ref).map((r) => r.p99Ms - r.ref!.p99Ms)));
}

export function summarise(id: string, label: string, process: string, runs: RunSample[], peakRssMb: number): TargetSummary {
  const rps = runs.map((r) => r.rps);
  const med = median(rps);
  const lookups = runs.every((r) => r.lookups === null) ? null : runs.reduce((a, r) => a + (r.lookups ?? 0), 0);
  return {
    id,
    label,
    process,
    runs,
    median: {
      rps: med,
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq)),
    },
    spreadPct: rps.length > 1 ? ((Math.max(...rps) - Math.min(...rps)) / med) * 100 : 0,
    peakRssMb,
    rssUnderLoadMb: Math.max(...runs.map((r) => r.rssMb)),
    otherCpuPct: median(runs.map((r) => r.otherCpuPct)),
    lookups,
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');

function table(head: string[], rows: string[][], alignLeft = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function throughputTable(targets: TargetSummary[], bareId: string, nginxId: string | null): string {
  const bare = targets.find((t) => t.id === bareId);
  const nginx = nginxId ? targets.find((t) => t.id === nginxId) : undefined;
  const rows = targets.map((t) => [
    t.label,
    f0(t.median.rps),
    `±${f0(t.spreadPct / 2)}%`,
    f2(t.median.p50Ms),
    f2(t.median.p99Ms),
    f1(t.median.cpuUsPerReq),
    f0(t.rssUnderLoadMb),
    bare && t.id !== bareId ? f2(pairedRatio(t, bare, 'rps')) : '',
    bare && t.id !== bareId ? f2(pairedRatio(t, bare, 'cpuUsPerReq')) : '',
    nginx && t.id !== nginxId ? f2(pairedRatio(t, nginx, 'rps')) : '',
    t.lookups === null ? '' : String(t.lookups),
    String(t.errors),
    f0(t.otherCpuPct),
  ]);
  return table(
    ['target', 'req/s', 'spread', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS MB', 'rps/bare', 'CPU/bare', 'rps/nginx', '/api/me', 'errors', 'other CPU %'],
    rows,
  );
}

export function streamTable(streams: { via: string; r: StreamResult }[]): string {
  return table(
    ['transfer', 'via', 'ok', 'seconds', 'MB/s', 'RSS before MB', 'RSS peak MB', 'growth MB'],
    streams.map(({ via, r }) => [
      `${r.direction} ${f0(r.bytes / 1024 / 1024)} MB`,
      via,
      r.ok ? 'yes' : `NO (${r.detail})`,
      f1(r.seconds),
      f0(r.mbPerSecond),
      f0(r.rssBeforeMb),
      f0(r.rssPeakMb),
      f1(r.rssGrowthMb),
    ]),
    2,
  );
}

export function wsLine(r: WsResult): string {
  return (
    `${r.opened}/${r.sockets} WebSockets open in ${f0(r.openMs)} ms; ${f0(r.echoed)}/${f0(r.messages)} messages echoed in ${f1(r.echoSeconds)} s ` +
    `(${f0(r.messagesPerSecond)} msg/s); Gatehouse RSS ${f0(r.rssBeforeMb)} → peak ${f0(r.rssPeakMb)} MB` +
    (r.errors.length ? `; errors: ${r.errors.join('; ')}` : '')
  );
}

export function burstLine(r: BurstResult): string {
  return `${r.requests} concurrent requests, one new credential: ${r.ok} answered 200 in ${f0(r.ms)} ms, ${r.lookups} look-up(s) reached the intranet`;
}

export function checksTable(checks: TargetCheck[]): string {
  return table(
    ['target', 'required', 'measured', 'status'],
    checks.map((c) => [c.name, c.required, c.measured, c.status]),
    3,
  );
}

export { f0, f1, f2 };

export interface ReportInput {
  startedAt: number;
  machine: { cpus: number; node: string; loadAverageAtStart: number };
  loader: string;
  settings: { threads: number; connections: number; rounds: number; duration: number };
  summaries: TargetSummary[];
  burst: BurstResult | null;
  streams: { via: string; r: StreamResult }[];
  ws: WsResult | null;
  checks: TargetCheck[];
  gateCostLines: string[];
  /** Duration of the run; default: until now. */
  seconds?: number;
}

export function renderReport(r: ReportInput): string {
  const by = (id: string): TargetSummary | undefined => r.summaries.find((s) => s.id === id);
  const s = r.settings;
  const out: string[] = [''];
  out.push(
    `Gatehouse bench — ${new Date(r.startedAt).toISOString()} — ${r.machine.cpus} CPUs, ${r.machine.node}, loader ${r.loader} ` +
      `(${s.threads} threads, ${s.connections} connections), ${s.rounds} rounds × ${s.duration} s, medians`,
  );
  out.push('GET /page2k (2 KB) unless noted (bypassed asset: /assets/app.js, 1.7 KB); CPU and RSS (highest sampled under load) are of the proxy process (tree);');
  out.push('spread = ±half the req/s range over the rounds; ratios = median over the rounds, each run divided by the bare-proxy runs just before and after it;');
  out.push('other CPU % = CPU used by processes the bench did not start, in % of one core (noise).');
  out.push(`Machine load average before the run: ${f2(r.machine.loadAverageAtStart)}; median other CPU during runs: ${f0(median(r.summaries.map((t) => t.otherCpuPct)))}% of one core.`);
  out.push('');
  out.push(throughputTable(r.summaries, 'bare', by('nginx') ? 'nginx' : null));
  out.push('');
  if (r.burst) out.push(`Cold burst: ${burstLine(r.burst)}`);
  const a = by('gh-lookup');
  for (const b of r.summaries.filter((t) => /^gh-lookup-[b-z]$/.test(t.id))) {
    if (!a) break;
    out.push(
      `${b.id.slice(-1).toUpperCase()} vs A (verified, lookup): req/s ${f2(pairedRatio(b, a, 'rps'))}×, CPU µs/req ${f2(pairedRatio(b, a, 'cpuUsPerReq'))}× ` +
        `(${f1(a.median.cpuUsPerReq)} → ${f1(b.median.cpuUsPerReq)}), p99 ${f2(a.median.p99Ms)} → ${f2(b.median.p99Ms)} ms`,
    );
  }
  if (r.streams.length) out.push('', streamTable(r.streams));
  if (r.ws) out.push('', `WebSockets through Gatehouse: ${wsLine(r.ws)}`);
  if (r.gateCostLines.length) out.push('', 'The gate alone (evaluate() in-process, median CPU time; no HTTP, no proxying):', ...r.gateCostLines);
  out.push('', checksTable(r.checks), '');
  const n = (st: TargetCheck['status']): number => r.checks.filter((c) => c.status === st).length;
  out.push(`${n('MET')} of ${r.checks.length} targets met; ${n('NOT MET')} not met; ${n('NOT MEASURED')} not measured. Took ${f0(r.seconds ?? (Date.now() - r.startedAt) / 1000)} s.`);
  return out.join('\n') + '\n';
}
