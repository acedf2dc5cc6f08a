/**
 * Issue 2 §3 and issue 3 §6: WebSockets pass through Gatehouse both ways,
 * text and binary, with close codes and reasons kept — for users who need no
 * second factor and for verified ones — while an upgrade that still needs a
 * second factor is refused with 401 (a socket cannot show a page).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { browserFor, enrol } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';

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

  it('should answer 502 to an upgrade when the intranet is down', async () => {
    stack = await startStack();
    await stack.intranet.close();
    const r = await open(wsUrl(stack));
    expect('status' in r && r.status).toBe(502);
  });
});
