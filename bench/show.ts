/**
 * `node dist/bench/show.js [.bench/results-….json]`: prints a stored bench
 * result again (default .bench/latest.json), with the targets judged by this
 * version of the bench.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateChecks } from './checks.js';
import { gateCostLines, type GateCost } from './gate-cost.js';
import { renderReport, type TargetSummary } from './report.js';
import type { BurstResult, StreamResult, WsResult } from './scenarios.js';
import type { BenchSettings } from './settings.js';

const file = process.argv[2] ?? join(fileURLToPath(new URL('../../', import.meta.url)), '.bench', 'latest.json');
const r = JSON.parse(readFileSync(file, 'utf8')) as {
  startedAt: string;
  seconds: number;
  machine: { cpus: number; node: string; loadAverageAtStart: number; loader: string };
  settings: BenchSettings;
  throughput: TargetSummary[];
  burst: BurstResult | null;
  streams: { via: string; r: StreamResult }[];
  websockets: WsResult | null;
  gateCost?: GateCost[];
  rssMb: { underLoad: number; throughput: number };
  cluster: { measured: boolean; reason?: string };
};
const checks = evaluateChecks({
  S: r.settings,
  summaries: r.throughput,
  burst: r.burst,
  streams: r.streams,
  rssLoad: r.rssMb.underLoad ?? -Infinity,
  rssThroughput: r.rssMb.throughput ?? -Infinity,
  clusterWhyNot: r.cluster.measured ? '' : (r.cluster.reason ?? ''),
});
const startedAt = Date.parse(r.startedAt);
process.stdout.write(
  renderReport({
    startedAt,
    machine: r.machine,
    loader: r.machine.loader,
    settings: r.settings,
    summaries: r.throughput,
    burst: r.burst,
    streams: r.streams,
    ws: r.websockets,
    checks,
    gateCostLines: gateCostLines(r.gateCost ?? []),
    seconds: r.seconds,
  }),
);
