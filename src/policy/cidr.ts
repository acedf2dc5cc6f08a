/**
 * A set of IPs / CIDRs compiled once into sorted disjoint ranges, so a lookup
 * is a binary search whatever the size of the list (trusted networks of large
 * sites run to thousands of entries, and this runs on every request).
 */
import { isMappedV4, parseV4, parseV6 } from '../net/ip.js';

interface Range {
  start: bigint;
  end: bigint;
  bits: number;
  index: number;
}

const scratch = new Uint16Array(8);
const V4_BITS = 32;
const V6_BITS = 128;

/** Parses one config entry into a range; throws with the entry quoted when invalid. */
function parseEntry(entry: string, index: number): { v4: boolean; range: Range } {
  const slash = entry.indexOf('/');
  const addr = slash < 0 ? entry : entry.slice(0, slash);
  let v4 = true;
  let value: bigint;
  const n4 = parseV4(addr);
  if (n4 >= 0) {
    value = BigInt(n4);
  } else if (parseV6(addr, scratch)) {
    v4 = false;
    value = 0n;
    for (let k = 0; k < 8; k++) value = (value << 16n) | BigInt(scratch[k]!);
  } else {
    throw new Error(`invalid IP or CIDR '${entry}'`);
  }
  const max = v4 ? V4_BITS : V6_BITS;
  let bits = max;
  if (slash >= 0) {
    const p = entry.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > max) {
      throw new Error(`invalid prefix length in '${entry}' (0-${max})`);
    }
    bits = Number(p);
  }
  // Mapped entries are stored as IPv4 because clients are unwrapped before the
  // lookup; a wider IPv6 range that merely contains ::ffff:0:0/96 stays IPv6
  // only (":: /0" means "all IPv6", not "also all IPv4").
  if (!v4 && bits >= 96 && isMappedV4(scratch)) {
    v4 = true;
    value &= 0xffffffffn;
    bits -= 96;
  }
  const width = BigInt(v4 ? V4_BITS : V6_BITS);
  const hostMask = (1n << (width - BigInt(bits))) - 1n;
  const start = value & ~hostMask; // `10.1.2.3/16` means its network, as everywhere else
  return { v4, range: { start, end: start | hostMask, bits, index } };
}

interface Flat {
  starts: bigint[];
  ends: bigint[];
  labels: number[];
}

/**
 * Turns possibly nested ranges into disjoint ones, each labelled with the most
 * specific entry covering it (first listed on exact duplicates). CIDR blocks
 * are either nested or disjoint, so one sweep with a stack is enough.
 */
function flatten(ranges: Range[]): Flat {
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.bits - b.bits || a.index - b.index));
  const out: Flat = { starts: [], ends: [], labels: [] };
  const emit = (s: bigint, e: bigint, label: number): void => {
    if (s > e) return;
    const last = out.ends.length - 1;
    if (last >= 0 && out.labels[last] === label && out.ends[last]! + 1n === s) {
      out.ends[last] = e;
      return;
    }
    out.starts.push(s);
    out.ends.push(e);
    out.labels.push(label);
  };
  const stack: Range[] = [];
  let cursor = 0n;
  for (const r of ranges) {
    while (stack.length > 0 && stack[stack.length - 1]!.end < r.start) {
      const top = stack.pop()!;
      emit(cursor, top.end, top.index);
      cursor = top.end + 1n;
    }
    const top = stack[stack.length - 1];
    if (top && top.start === r.start && top.end === r.end) continue; // duplicate
    if (top) emit(cursor, r.start - 1n, top.index);
    stack.push(r);
    cursor = r.start;
  }
  while (stack.length > 0) {
    const top = stack.pop()!;
    emit(cursor, top.end, top.index);
    cursor = top.end + 1n;
  }
  return out;
}

export class CidrSet {
  /** The entries as written, in config order (labels point into it). */
  readonly entries: readonly string[];
  private readonly v4Starts: Uint32Array;
  private readonly v4Ends: Uint32Array;
  private readonly v4Labels: readonly string[];
  /** Four 32-bit words per range, most significant first. */
  private readonly v6Starts: Uint32Array;
  private readonly v6Ends: Uint32Array;
  private readonly v6Labels: readonly string[];

  constructor(entries: readonly string[]) {
    this.entries = Object.freeze([...entries]);
    const v4: Range[] = [];
    const v6: Range[] = [];
    this.entries.forEach((entry, i) => {
      const parsed = parseEntry(entry.trim(), i);
      (parsed.v4 ? v4 : v6).push(parsed.range);
    });
    const f4 = flatten(v4);
    this.v4Starts = Uint32Array.from(f4.starts, Number);
    this.v4Ends = Uint32Array.from(f4.ends, Number);
    this.v4Labels = f4.labels.map((i) => this.entries[i]!);
    const f6 = flatten(v6);
    this.v6Starts = toWords(f6.starts);
    this.v6Ends = toWords(f6.ends);
    this.v6Labels = f6.labels.map((i) => this.entries[i]!);
    Object.freeze(this);
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The config entry containing `ip` (the most specific one when entries
   * nest), or null. '' and anything unparseable never match: an address we
   * cannot read must not earn trust.
   */
  match(ip: string): string | null {
    const n4 = parseV4(ip);
    if (n4 >= 0) return this.matchV4(n4);
    if (ip.length === 0 || !parseV6(ip, scratch)) return null;
    if (isMappedV4(scratch)) return this.matchV4(((scratch[6]! << 16) | scratch[7]!) >>> 0);
    return this.matchV6();
  }

  has(ip: string): boolean {
    return this.match(ip) !== null;
  }

  private matchV4(x: number): string | null {
    const starts = this.v4Starts;
    // Last range whose start <= x.
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= x) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && x <= this.v4Ends[found]! ? this.v4Labels[found]! : null;
  }

  /** Looks up the address left in `scratch` by match(). */
  private matchV6(): string | null {
    const w0 = ((scratch[0]! << 16) | scratch[1]!) >>> 0;
    const w1 = ((scratch[2]! << 16) | scratch[3]!) >>> 0;
    const w2 = ((scratch[4]! << 16) | scratch[5]!) >>> 0;
    const w3 = ((scratch[6]! << 16) | scratch[7]!) >>> 0;
    const starts = this.v6Starts;
    let lo = 0;
    let hi = starts.length / 4 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareWords(starts, mid * 4, w0, w1, w2, w3) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && compareWords(this.v6Ends, found * 4, w0, w1, w2, w3) >= 0 ? this.v6Labels[found]! : null;
  }
}

/** Sign of (a[at..at+3]) - (w0..w3), comparing as a 128-bit unsigned number. */
function compareWords(a: Uint32Array, at: number, w0: number, w1: number, w2: number, w3: number): number {
  const d0 = a[at]! - w0;
  if (d0 !== 0) return d0;
  const d1 = a[at + 1]! - w1;
  if (d1 !== 0) return d1;
  const d2 = a[at + 2]! - w2;
  if (d2 !== 0) return d2;
  return a[at + 3]! - w3;
}

function toWords(values: bigint[]): Uint32Array {
  const out = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    for (let k = 0; k < 4; k++) out[i * 4 + k] = Number((v >> BigInt(96 - 32 * k)) & 0xffffffffn);
  });
  return out;
}

/** Compiles a CIDR set; throws `invalid IP or CIDR '…'` for the first bad entry. */
export function compileCidrSet(entries: readonly string[]): CidrSet {
  return new CidrSet(entries);
}
