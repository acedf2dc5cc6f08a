/**
 * Reading V8 .cpuprofile files (from `node --cpu-prof`): self time per
 * function and per bucket (Gatehouse module, library, node internals, GC),
 * and inclusive time of chosen functions, each as µs per request.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** µs of CPU (excluding idle) per request. */
  busyUsPerReq: number;
  buckets: { name: string; usPerReq: number; pct: number }[];
  functions: { name: string; where: string; usPerReq: number; pct: number }[];
  inclusive: { name: string; usPerReq: number; pct: number }[];
}

/** The bucket a frame's self time is billed to: a Gatehouse file, a package, node itself, or V8. */
export function bucketOf(cf: CallFrame): string {
  const url = cf.url;
  if (!url) {
    if (cf.functionName === '(garbage collector)') return '(garbage collector)';
    if (cf.functionName === '(idle)') return '(idle)';
    if (cf.functionName === '(program)') return '(program: V8/native)';
    return '(native)';
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length).replace(/\.js$/, '');
  return url;
}

function where(cf: CallFrame): string {
  const b = bucketOf(cf);
  return cf.url ? `${b}:${cf.lineNumber + 1}` : b;
}

/**
 * `window` (ms from the start of the profile) keeps only the samples taken
 * while the load ran, so start-up and shut-down are not billed to requests.
 * `inclusiveOf` names functions ('evaluate') or whole files ('file:src/gate/evaluate').
 */
export function summariseProfile(file: string, requests: number, inclusiveOf: readonly string[] = [], window?: { fromMs: number; toMs: number }): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    if (window && (at < window.fromMs * 1000 || at > window.toMs * 1000)) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }

  const buckets = new Map<string, number>();
  const fns = new Map<string, { name: string; where: string; us: number }>();
  let busy = 0;
  for (const n of p.nodes) {
    const us = self.get(n.id) ?? 0;
    if (us === 0) continue;
    const b = bucketOf(n.callFrame);
    buckets.set(b, (buckets.get(b) ?? 0) + us);
    if (b !== '(idle)') busy += us;
    const key = `${n.callFrame.functionName}@${where(n.callFrame)}`;
    const f = fns.get(key) ?? { name: n.callFrame.functionName || '(anonymous)', where: where(n.callFrame), us: 0 };
    f.us += us;
    fns.set(key, f);
  }

  // Inclusive time of named functions: a node's subtree, not counted twice when the function recurses.
  const inclusive = new Map<string, number>(inclusiveOf.map((n) => [n, 0]));
  const subtree = new Map<number, number>();
  const total = (id: number): number => {
    const cached = subtree.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id)!;
    let t = self.get(id) ?? 0;
    for (const c of n.children ?? []) t += total(c);
    subtree.set(id, t);
    return t;
  };
  const root = p.nodes[0]!;
  const walk = (id: number, open: Set<string>): void => {
    const n = byId.get(id)!;
    const file = `file:${bucketOf(n.callFrame)}`;
    const match = inclusiveOf.find((want) => want === file || n.callFrame.functionName === want);
    let next = open;
    if (match && !open.has(match)) {
      inclusive.set(match, (inclusive.get(match) ?? 0) + total(id));
      next = new Set(open).add(match);
    }
    for (const c of n.children ?? []) walk(c, next);
  };
  walk(root.id, new Set());

  const per = (us: number): number => us / Math.max(1, requests);
  const pct = (us: number): number => (us / Math.max(1, busy)) * 100;
  return {
    totalMs: window ? window.toMs - window.fromMs : (p.endTime - p.startTime) / 1000,
    busyUsPerReq: per(busy),
    buckets: [...buckets]
      .filter(([name]) => name !== '(idle)')
      .map(([name, us]) => ({ name, usPerReq: per(us), pct: pct(us) }))
      .sort((a, b) => b.usPerReq - a.usPerReq),
    functions: [...fns.values()]
      .filter((f) => f.where !== '(idle)')
      .map((f) => ({ name: f.name, where: f.where, usPerReq: per(f.us), pct: pct(f.us) }))
      .sort((a, b) => b.usPerReq - a.usPerReq),
    inclusive: [...inclusive].map(([name, us]) => ({ name, usPerReq: per(us), pct: pct(us) })),
  };
}
