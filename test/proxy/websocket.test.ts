/**
 * Issue 2 §3 and issue 3 §6: WebSockets pass through Gatehouse both ways,
 * text and binary, with close codes and reasons kept — for users who need no
 * second factor and for verified ones — while an upgrade that still needs a
 * second factor is refused with 401 (a socket cannot show a page).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { browserFor, enrol } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startGatehouseFor } from './support.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

function wsUrl(s: Stack): string {
  return s.url.replace(/^http/, 'ws') + '/ws';
}

/** Opens a socket; resolves when open, or with the HTTP status the handshake got instead. */
function open(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, binary: boolean) => resolve({ data, binary })));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}

async function roundTrip(ws: WebSocket): Promise<void> {
  const text = next(ws);
  ws.send('hello through gatehouse ✓');
  const t = await text;
  expect(t.binary).toBe(false);
  expect(t.data.toString()).toBe('hello through gatehouse ✓');

  const payload = randomBytes(200_000);
  const bin = next(ws);
  ws.send(payload, { binary: true });
  const b = await bin;
  expect(b.binary).toBe(true);
  expect(Buffer.compare(b.data, payload)).toBe(0);

  const done = closed(ws);
  ws.send('close:4001:bye');
  expect(await done).toEqual({ code: 4001, reason: 'bye' });
}

describe('WebSocket through Gatehouse', () => {
  it('should relay text, binary and close code 4001 for an out-of-scope user', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('bob');
    const r = await open(wsUrl(stack), { cookie: b.cookieHeader()! });
    if (!('ws' in r)) throw new Error(`handshake refused: ${r.status}`);
    await roundTrip(r.ws);
    expect(stack.intranet.stats.wsConnections).toBe(1);
  });

  it('should relay an anonymous socket (the intranet decides about anonymous users)', async () => {
    stack = await startStack();
    const r = await open(wsUrl(stack));
    if (!('ws' in r)) throw new Error(`handshake refused: ${r.status}`);
    await roundTrip(r.ws);
  });

  it('should refuse the upgrade with 401 for an in-scope user without a second factor, and relay it once verified', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const refused = await open(wsUrl(stack), { cookie: b.cookieHeader()! });
    expect('status' in refused && refused.status).toBe(401);
    if ('status' in refused) expect(JSON.parse(refused.body).error).toMatch(/^GH_ERR_/);
    expect(stack.intranet.stats.wsConnections).toBe(0);

    await enrol(stack, b);
    const r = await open(wsUrl(stack), { cookie: b.cookieHeader()! });
    if (!('ws' in r)) throw new Error(`handshake refused: ${r.status}`);
    await roundTrip(r.ws);
    expect(stack.intranet.stats.wsConnections).toBe(1);
  });

  it('should refuse an upgrade to a path under the prefix with 404, forwarding nothing', async () => {
    stack = await startStack();
    const r = await open(stack.url.replace(/^http/, 'ws') + '/_gatehouse/ws');
    expect('status' in r && r.status).toBe(404);
    expect(stack.intranet.stats.wsConnections).toBe(0);
  });

  it('should relay the intranet’s refusal of an upgrade (a chunked 403) as a well-formed response', async () => {
    // An intranet that does not speak WebSocket answers the upgrade request as a plain request.
    const upstream = http.createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain', 'x-why': 'no-ws' });
      res.write('no ');
      res.end('websockets here');
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    const gh = await startGatehouseFor(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    try {
      const r = await open(gh.url.replace(/^http/, 'ws') + '/ws');
      expect(r).toEqual({ status: 403, body: 'no websockets here' });
    } finally {
      await gh.close();
      upstream.closeAllConnections();
      await new Promise((ok) => upstream.close(ok));
    }
  });

  it('should hand the intranet the upgrade with the query as sent, X-Forwarded-*, and without Gatehouse’s cookies or spoofed identity', async () => {
    const seen: { url?: string; headers?: http.IncomingHttpHeaders } = {};
    // Nobody is logged in here: the identity look-up answers 401.
    const upstream = http.createServer((_req, res) => {
      res.writeHead(401);
      res.end();
    });
    const wss = new WebSocketServer({ noServer: true });
    upstream.on('upgrade', (req, sock, head) => {
      seen.url = req.url;
      seen.headers = req.headers;
      wss.handleUpgrade(req, sock, head, (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin })));
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    const gh = await startGatehouseFor(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    try {
      const r = await open(gh.url.replace(/^http/, 'ws') + '/live/feed?a=1&a=2&b=%20+x', {
        cookie: 'gh_s=session; theme=dark; gh_d=device',
        'x-remote-user': 'admin',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-host': 'evil.example',
      });
      if (!('ws' in r)) throw new Error(`handshake refused: ${r.status}`);
      const echoed = next(r.ws);
      r.ws.send('ping');
      expect((await echoed).data.toString()).toBe('ping');
      r.ws.close();
      expect(seen.url).toBe('/live/feed?a=1&a=2&b=%20+x');
      expect(seen.headers!.cookie).toBe('theme=dark');
      expect(seen.headers!['x-remote-user']).toBeUndefined();
      expect(seen.headers!['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers!['x-forwarded-host']).toBe('gatehouse.test');
      expect(seen.headers!['x-forwarded-proto']).toBe('http');
    } finally {
      await gh.close();
      wss.close();
      upstream.closeAllConnections();
      await new Promise((ok) => upstream.close(ok));
    }
  });

  it('should answer 502 to an upgrade when the intranet is down', async () => {
    stack = await startStack();
    await stack.intranet.close();
    const r = await open(wsUrl(stack));
    expect('status' in r && r.status).toBe(502);
  });
});
