/**
 * WebSocket (and any HTTP/1.1 Upgrade) forwarding. Once the gate lets an
 * upgrade through, the two sockets are spliced together: frames, close codes
 * and extensions pass byte for byte because nothing re-frames them.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { evaluate } from '../gate/evaluate.js';
import type { Services } from '../gate/services.js';
import { stripGatehouseCookies } from '../session/parse.js';
import { rewriteForwardHeaders } from './headers.js';

const HOP_BY_HOP = new Set(['keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding']);

/** Headers of a declined upgrade's answer that described the upstream's connection, not ours. */
const RELAY_DROP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

function refuse(socket: Duplex, status: number, text: string, body: object): void {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${json}`,
  );
}

export interface UpgradeTracker {
  readonly open: Set<Duplex>;
}

export function createUpgradeHandler(s: Services, onOpenChange?: (open: number) => void): {
  handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  tracker: UpgradeTracker;
} {
  const open = new Set<Duplex>();
  const track = (sock: Duplex) => {
    open.add(sock);
    onOpenChange?.(open.size);
    sock.once('close', () => {
      open.delete(sock);
      onOpenChange?.(open.size);
    });
  };

  async function handle(req: http.IncomingMessage, socket: Duplex, clientHead: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const outcome = await evaluate(s, { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, socketAddress: req.socket.remoteAddress }).catch(
      (err: unknown) => ({ kind: 'error' as const, err }),
    );
    if (outcome.kind === 'error') return refuse(socket, 500, 'Internal Server Error', { error: 'GH_ERR_INTERNAL' });
    if (outcome.kind === 'bad_path') return refuse(socket, 400, 'Bad Request', { error: 'GH_ERR_BAD_PATH', reason: outcome.reason });
    if (outcome.kind === 'own') return refuse(socket, 404, 'Not Found', { error: 'GH_ERR_NOT_FOUND' });
    if (outcome.kind === 'unavailable') return refuse(socket, 503, 'Service Unavailable', { error: outcome.what === 'store' ? 'GH_ERR_STORE_UNAVAILABLE' : 'GH_ERR_IDENTITY_UNAVAILABLE' });
    const { decision, ctx } = outcome;
    if (decision.action !== 'forward') {
      // A WebSocket cannot show a page: refuse, and let the app's next page load meet the challenge.
      return refuse(socket, 401, 'Unauthorized', { error: 'GH_ERR_SECOND_FACTOR_REQUIRED', reason: decision.reason });
    }

    const { config } = s.runtime.live;
    const upstream = new URL(config.upstream.url);
    const headers = rewriteForwardHeaders({ ...req.headers }, {
      clientIp: ctx.clientIp,
      peerIp: ctx.peerIp,
      fromTrustedProxy: ctx.fromTrustedProxy,
      proto: ctx.proto,
      host: ctx.host,
      cookie: stripGatehouseCookies(req.headers.cookie),
    });
    for (const h of HOP_BY_HOP) delete headers[h];
    headers.host = upstream.host;
    const upReq = http.request({
      host: upstream.hostname,
      port: upstream.port || 80,
      method: req.method,
      path: upstream.pathname.replace(/\/$/, '') + ctx.path + ctx.query,
      headers,
      timeout: config.upstream.timeoutMs,
    });
    upReq.on('timeout', () => upReq.destroy(new Error('upstream timeout')));
    upReq.on('error', () => {
      if (socket.writable) refuse(socket, 502, 'Bad Gateway', { error: 'GH_ERR_UPSTREAM' });
    });
    upReq.on('response', (res) => {
      // The upstream declined the upgrade: relay its answer as a plain response.
      // Node has already de-chunked the body, so the upstream's framing and
      // connection headers no longer describe what we send: relayed as they
      // were, a chunked refusal reached the client as a broken response.
      // The body is sent as is and ends with the connection.
      let head = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`;
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        if (RELAY_DROP.has(res.rawHeaders[i]!.toLowerCase())) continue;
        head += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
      }
      socket.write(head + 'Connection: close\r\n\r\n');
      res.pipe(socket);
    });
    upReq.on('upgrade', (res, upSocket, upHead) => {
      let head = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`;
      for (let i = 0; i < res.rawHeaders.length; i += 2) head += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
      socket.write(head + '\r\n');
      if (upHead.length) socket.write(upHead);
      // Bytes the client sent right after its upgrade request belong to the new protocol.
      if (clientHead.length) upSocket.write(clientHead);
      upSocket.setNoDelay(true);
      upSocket.setTimeout(0);
      track(socket);
      upSocket.on('error', () => socket.destroy());
      socket.on('close', () => upSocket.destroy());
      upSocket.on('close', () => socket.destroy());
      upSocket.pipe(socket);
      socket.pipe(upSocket);
    });
    upReq.end();
  }

  return {
    tracker: { open },
    handle: (req, socket, head) => void handle(req, socket, head),
  };
}
