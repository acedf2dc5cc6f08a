/**
 * Low-level HTTP for proxy tests: node:http with an exact request target and
 * raw header lists (duplicates, odd spellings), a fresh connection per
 * request, and the answer's raw bytes. The Browser helper normalises too much
 * for "byte for byte" assertions.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startIntranet } from '../../demo/intranet.js';
import { buildApp } from '../../src/app.js';
import { createStore } from '../../src/store/index.js';
import { configFrom, makeClock, type Stack, type StackOptions } from '../helpers/stack.js';

export interface RawRes {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface RawOptions {
  method?: string;
  /** The request target exactly as it goes on the wire (latin1: one char = one byte). */
  path: string;
  /** An object, or a flat [name, value, name, value…] list that keeps duplicates and spelling. */
  headers?: Record<string, string | string[]> | string[];
  body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked, in pieces of this size. */
  chunkSize?: number;
  localAddress?: string;
  /** Connect here instead of base's host (e.g. ::1). */
  host?: string;
}

export function rawRequest(base: string, o: RawOptions): Promise<RawRes> {
  const u = new URL(base);
  // With a raw header list node:http adds no Host of its own.
  let headers = Array.isArray(o.headers) && !o.headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host') ? ['Host', u.host, ...o.headers] : o.headers;
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
  if (body && !o.chunkSize) {
    headers = Array.isArray(headers) ? [...headers, 'Content-Length', String(body.length)] : { ...headers, 'content-length': String(body.length) };
  }
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: o.host ?? u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port,
      method: o.method ?? 'GET',
      path: o.path,
      agent: false,
      headers: headers as http.OutgoingHttpHeaders,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    if (body === undefined) return void req.end();
    if (o.chunkSize) {
      // No Content-Length: node:http frames the writes as chunks.
      for (let i = 0; i < body.length; i += o.chunkSize) req.write(body.subarray(i, i + o.chunkSize));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** /echo's answer. */
export interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  rawHeaders: [string, string][];
  remoteAddress: string | null;
  bodyBytes: number;
  bodySha256: string;
  body: string | null;
}

export async function echo(base: string, o: Omit<RawOptions, 'path'> & { path?: string }): Promise<Echo> {
  const res = await rawRequest(base, { path: '/echo', ...o });
  if (res.status !== 200) throw new Error(`/echo answered ${res.status}: ${res.body.toString()}`);
  return JSON.parse(res.body.toString()) as Echo;
}

/** Names of the raw headers /echo received, lower-cased. */
export function headerNames(e: Echo): string[] {
  return e.rawHeaders.map(([n]) => n.toLowerCase());
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A readable of `size` deterministic pseudo-random bytes, produced as read (never held in memory). */
export function patternStream(size: number, chunk = 256 * 1024): Readable {
  const block = Buffer.alloc(chunk);
  let x = 0x12345678;
  for (let i = 0; i < chunk; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block[i] = x & 0xff;
  }
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(chunk, size - sent);
      sent += n;
      // Vary each block a little so a dropped or repeated chunk changes the hash.
      const b = Buffer.from(block.subarray(0, n));
      b.writeUInt32BE(sent >>> 0, 0);
      this.push(b);
    },
  });
}

/** SHA-256 of patternStream(size) without sending it anywhere. */
export async function patternSha(size: number): Promise<string> {
  const h = createHash('sha256');
  for await (const c of patternStream(size)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Reads /proc/PID/status fields (kB) on Linux. */
export async function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}


/** startStack, with Gatehouse listening on `host` ('::1', '::' dual-stack…) instead of 127.0.0.1. */
export async function startStackOn(host: string, opts: StackOptions = {}): Promise<Stack> {
  const intranet = await startIntranet({ port: 0, quiet: true, ...opts.intranet });
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const config = configFrom(intranet.url, dataDir, opts.config);
  const clock = opts.clock ?? makeClock();
  const store = opts.store ?? (await createStore(config));
  const gh = await buildApp({ config, store, now: clock.now, logger: false });
  await gh.app.listen({ host, port: 0 });
  const port = (gh.app.server.address() as AddressInfo).port;
  const url = host.includes(':') ? `http://[${host === '::' ? '::1' : host}]:${port}` : `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  return {
    gh, url, intranet, config, store, clock, dataDir,
    async close() {
      await gh.close();
      if (!opts.store) await store.close();
      await intranet.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Gatehouse alone in front of any upstream (for answers the demo intranet cannot give). */
export async function startGatehouseFor(upstreamUrl: string, over: StackOptions['config'] = {}): Promise<{ url: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const config = configFrom(upstreamUrl, dataDir, over);
  const store = await createStore(config);
  const gh = await buildApp({ config, store, now: makeClock().now, logger: false });
  const url = await gh.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    async close() {
      await gh.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
