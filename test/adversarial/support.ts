/**
 * Tools for attacking Gatehouse over real sockets.
 *
 * HTTP clients normalise the very things these tests are about (dot segments,
 * `#`, backslashes, duplicated or oddly spelled headers, CRLF), so requests
 * here are written byte for byte on a node:net socket. What "not reached"
 * means is measured at the intranet: its request counter minus its identity
 * look-ups is the number of requests Gatehouse forwarded.
 */
import net from 'node:net';
import { expect } from 'vitest';
import type { GatehouseApp } from '../../src/app.js';
import type { GatehouseConfig } from '../../src/config/types.js';
import { credentialOf } from '../../src/identity/index.js';
import type { Store } from '../../src/store/types.js';
import { Browser, inputValue } from '../helpers/client.js';
import { enrol, totp } from '../helpers/flows.js';
import type { Stack } from '../helpers/stack.js';

/** Text only the demo intranet's /secret page contains. */
export const SECRET = 'S3CR3T-LASAGNE-42';
export const PUBLIC_ORIGIN = 'http://gatehouse.test';
export const PREFIX = '/_gatehouse';

export interface RawRes {
  status: number;
  /** Lower-cased names; repeated headers become arrays. */
  headers: Record<string, string | string[]>;
  body: string;
  /** Everything the server wrote, latin1. */
  raw: string;
}

export type HeaderList = [string, string][];

export interface RawReq {
  method?: string;
  /** The request target exactly as written on the wire. */
  target: string;
  /** In order, duplicates and spelling kept. Host and Connection: close are added unless given. */
  headers?: HeaderList | Record<string, string>;
  body?: string | Buffer;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

function hostOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

/** The request bytes for `r`, addressed to `url`'s host. */
export function requestBytes(url: string, r: RawReq): Buffer {
  const list: HeaderList = Array.isArray(r.headers) ? [...r.headers] : Object.entries(r.headers ?? {});
  const has = (n: string) => list.some(([k]) => k.toLowerCase() === n);
  if (!has('host')) list.unshift(['Host', new URL(url).host]);
  if (!has('connection')) list.push(['Connection', 'close']);
  const body = r.body === undefined ? undefined : typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
  if (body && !has('content-length') && !has('transfer-encoding')) list.push(['Content-Length', String(body.length)]);
  const head = `${r.method ?? 'GET'} ${r.target} HTTP/1.1\r\n` + list.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/** Sends raw bytes on a fresh connection and reads the answer until the server closes it. */
export function rawSend(url: string, bytes: Buffer | string, opts: { timeoutMs?: number; localAddress?: string } = {}): Promise<RawRes> {
  const { host, port } = hostOf(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect({ host, port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const parsed = parseResponse(raw);
      if (!parsed) reject(new Error(`no HTTP response (got ${JSON.stringify(raw.slice(0, 200))})`));
      else resolve(parsed);
    };
    const timer = setTimeout(() => {
      if (chunks.length) finish();
      else {
        done = true;
        sock.destroy();
        reject(new Error('timed out waiting for a response'));
      }
    }, opts.timeoutMs ?? 10_000);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      // Keep-alive answers (our own Connection: close is not always honoured on errors).
      const parsed = parseResponse(Buffer.concat(chunks).toString('latin1'));
      if (parsed && complete(Buffer.concat(chunks).toString('latin1'))) finish();
    });
    sock.on('end', finish);
    sock.on('close', finish);
    // A server that answers early (413) and resets while we still write: keep what it said.
    sock.on('error', () => finish());
    sock.write(bytes);
  });
}

/** One request, written exactly as given. */
export function raw(url: string, r: RawReq, opts: { localAddress?: string } = {}): Promise<RawRes> {
  return rawSend(url, requestBytes(url, r), { ...opts, ...(r.timeoutMs ? { timeoutMs: r.timeoutMs } : {}) });
}

function complete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = text.slice(0, end).toLowerCase();
  const body = text.slice(end + 4);
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (cl) return Buffer.byteLength(body, 'latin1') >= Number(cl[1]);
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) return /(^|\r\n)0\r\n\r\n$/.test(body);
  return /^http\/1\.1 (1\d\d|204|304)/.test(head);
}

function parseResponse(text: string): RawRes | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = text.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) return null;
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c < 0) continue;
    const k = line.slice(0, c).trim().toLowerCase();
    const v = line.slice(c + 1).trim();
    const prev = headers[k];
    headers[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  let body = text.slice(end + 4);
  if (String(headers['transfer-encoding'] ?? '').includes('chunked')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  return { status: Number(m[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8'), raw: text };
}

function dechunk(s: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const eol = s.indexOf('\r\n', i);
    if (eol < 0) return out;
    const size = parseInt(s.slice(i, eol), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

/** Requests Gatehouse forwarded to the intranet so far (its identity look-ups excluded). */
export function forwarded(stack: Pick<Stack, 'intranet'>): number {
  return stack.intranet.stats.requests - stack.intranet.stats.meRequests;
}

/** Location of a response as a URL on the public origin. */
export function locationOf(res: { headers: Record<string, unknown> }): URL | null {
  const loc = res.headers.location;
  const v = Array.isArray(loc) ? loc[0] : loc;
  return typeof v === 'string' ? new URL(v, PUBLIC_ORIGIN) : null;
}

/** The protected page was not served, and Gatehouse forwarded nothing since `before`. */
export function expectNotForwarded(stack: Pick<Stack, 'intranet'>, before: number, res: { body: string }): void {
  expect(res.body).not.toContain(SECRET);
  expect(forwarded(stack), 'requests Gatehouse forwarded to the intranet').toBe(before);
}

/** A 302/303 to one of Gatehouse's pages on the public origin. */
export function expectSentTo(res: { status: number; headers: Record<string, unknown> }, page: 'challenge' | 'enrol' | 'locked'): void {
  expect([302, 303]).toContain(res.status);
  const loc = locationOf(res)!;
  expect(loc.origin).toBe(PUBLIC_ORIGIN);
  expect(loc.pathname).toBe(`${PREFIX}/${page}`);
}

/** A Gatehouse error answer a person or a script can read: its status, and an HTML page or `{ error }` JSON. */
export function expectClearError(res: { status: number; headers: Record<string, unknown>; body: string }, status: number | number[]): void {
  expect(Array.isArray(status) ? status : [status]).toContain(res.status);
  const type = String(res.headers['content-type'] ?? '');
  if (type.startsWith('text/html')) {
    expect(res.body).toMatch(/<h1>[^<]+<\/h1>/);
  } else {
    expect(type).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toHaveProperty('error');
  }
}

/** The credential hash Gatehouse binds 2FA sessions and CSRF tokens to, for a session cookie value. */
export function credentialHash(sid: string): string {
  return credentialOf(`sid=${sid}`, undefined, 'sid')!.hash;
}

/** A logged-in browser (the intranet's own login, through Gatehouse). */
export async function loggedIn(stack: Stack, user: string): Promise<Browser> {
  const b = new Browser(stack.url);
  const res = await b.login(user);
  expect(res.status).toBe(302);
  expect(b.jar.get('sid')).toBeTruthy();
  return b;
}

/** Enrols `user` in a first login, then returns a second, fresh login (no 2FA session yet) and the secret. */
export async function enrolledUser(stack: Stack, user: string): Promise<{ b: Browser; key: string; codes: string[] }> {
  const first = await loggedIn(stack, user);
  const { key, codes } = await enrol(stack, first);
  const b = await loggedIn(stack, user);
  return { b, key, codes };
}

/** The challenge page's CSRF token for this browser's login. */
export async function csrfOf(b: Browser, page = `${PREFIX}/challenge`): Promise<string> {
  const res = await b.get(page);
  expect(res.status).toBe(200);
  const t = inputValue(res.body, 'csrf');
  expect(t).toBeTruthy();
  return t!;
}

/** Answers the challenge with `code` (no clock movement). */
export async function postCode(b: Browser, csrf: string, code: string, extra: Record<string, string> = {}, headers?: Record<string, string>) {
  return b.post(`${PREFIX}/challenge`, { csrf, rd: '/secret', code, ...extra }, headers);
}

export { totp };

/** A Set-Cookie for `name` among a response's cookies, or undefined. */
export function setCookieValue(setCookies: string[], name: string): string | undefined {
  for (const c of setCookies) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) return m[1];
  }
  return undefined;
}


/**
 * A store that works until `down` is set, then rejects every call (close
 * excepted), like SQLite on a full or vanished disk or Redis unreachable.
 */
export function switchableStore(inner: Store): Store & { down: boolean } {
  const state = { down: false };
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'down') return state.down;
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === 'close') return (v as () => unknown).bind(target);
      // The synchronous read fails the way SQLite does: it throws.
      if (prop === 'getUserNow') return (...args: unknown[]) => { if (state.down) throw new Error('store unavailable (test)'); return (v as (...a: unknown[]) => unknown).apply(target, args); };
      return (...args: unknown[]) => (state.down ? Promise.reject(new Error('store unavailable (test)')) : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
    set(target, prop, value) {
      if (prop === 'down') {
        state.down = Boolean(value);
        return true;
      }
      return Reflect.set(target, prop, value);
    },
  });
  return proxy as Store & { down: boolean };
}

/** Parses `printRoutes({ commonPrefix: false })` into [method, path] pairs (params filled with `alice`, wildcards with `x`). */
export function routesOf(gh: GatehouseApp): [string, string][] {
  const text = gh.app.printRoutes({ commonPrefix: false });
  const out: [string, string][] = [];
  // Each node's full path is its parent's plus its own segment; the root is '/'.
  const fulls: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const full = depth === 0 ? m[2]! : fulls[depth - 1]! + m[2]!;
    fulls.length = depth;
    fulls[depth] = full;
    if (!m[3]) continue;
    for (const method of m[3].split(',').map((s) => s.trim())) out.push([method, full.replace(/:[A-Za-z]+/g, 'alice').replace(/\/?\*/g, '/x')]);
  }
  return out;
}

export type { Stack, GatehouseConfig };
