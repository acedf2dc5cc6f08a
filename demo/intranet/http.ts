/**
 * Response helpers of the demo intranet: every answer goes out with writeHead
 * and an exact Content-Length, the cheapest path through node:http.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Asset } from './assets.js';
import { errorPage } from './pages.js';

export type Handler = (ctx: Ctx) => void;

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: string;
}

const FORM_LIMIT = 16 * 1024;
export const HTML = 'text/html; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra?: Record<string, string | string[]>): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...extra, 'Content-Type': type, 'Content-Length': buf.length });
  res.end(buf);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON_TYPE, JSON.stringify(value), { 'Cache-Control': 'no-store' });
}

export function redirect(res: ServerResponse, location: string, extra?: Record<string, string | string[]>, status = 302): void {
  res.writeHead(status, { ...extra, Location: location, 'Content-Length': 0 });
  res.end();
}

export function methodNotAllowed(res: ServerResponse, allow: string): void {
  send(res, 405, HTML, errorPage(405, 'Method not allowed.'), { Allow: allow });
}

export function isRead(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

export function serveAsset(ctx: Ctx, asset: Asset): void {
  const { req, res } = ctx;
  if (!isRead(req)) return methodNotAllowed(res, 'GET, HEAD');
  const headers = { ETag: asset.etag, 'Cache-Control': 'public, max-age=3600' };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  send(res, 200, asset.type, asset.body, headers);
}

/** Reads a small urlencoded form; answers 413 itself (and never calls `done`) when it is too big. */
export function readForm(req: IncomingMessage, res: ServerResponse, done: (form: URLSearchParams) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > FORM_LIMIT) {
      if (!over) {
        over = true;
        send(res, 413, HTML, errorPage(413, 'Form too large.'), { Connection: 'close' });
      }
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (!over) done(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
  });
  req.on('error', () => res.destroy());
}
