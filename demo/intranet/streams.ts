/**
 * The demo intranet's streaming endpoints: a generated download of any size, an
 * upload that is hashed as it arrives, and an echo of exactly what was received.
 * Memory stays flat whatever the size, so a proxy that buffers shows up in tests.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Byte `p` of every download is `PATTERN[p % PATTERN_PERIOD]`. The period is a
 * prime, so it never lines up with a chunk or buffer size: a dropped, repeated or
 * reordered chunk changes the content, not just the length.
 */
export const PATTERN_PERIOD = 65_521;
const CHUNK = 256 * 1024;

// One period plus one chunk, so every chunk is a zero-copy view of this buffer.
const PATTERN = (() => {
  const b = Buffer.allocUnsafe(PATTERN_PERIOD + CHUNK);
  let x = 0x9e3779b9;
  for (let i = 0; i < PATTERN_PERIOD; i++) {
    // xorshift32: a fixed, documented sequence anyone can regenerate.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  for (let i = PATTERN_PERIOD; i < b.length; i++) b[i] = b[i - PATTERN_PERIOD]!;
  return b;
})();

/** Bytes `[offset, offset + length)` of the download stream, for tests. */
export function downloadBytes(offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const start = (offset + done) % PATTERN_PERIOD;
    const n = Math.min(length - done, PATTERN_PERIOD);
    PATTERN.copy(out, done, start, start + n);
    done += n;
  }
  return out;
}

export const DEFAULT_DOWNLOAD_SIZE = 1024 ** 3;

/** Streams `size` pattern bytes, writing only when the socket drains. */
export function streamDownload(
  req: IncomingMessage,
  res: ServerResponse,
  size: number,
  chunked: boolean,
  stats: { downloadBytesWritten: number },
): void {
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Cache-Control': 'no-store',
  };
  if (!chunked) headers['Content-Length'] = size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  let sent = 0;
  const pump = (): void => {
    while (sent < size) {
      if (res.destroyed) return;
      const start = sent % PATTERN_PERIOD;
      const n = Math.min(CHUNK, size - sent);
      sent += n;
      stats.downloadBytesWritten += n;
      if (!res.write(PATTERN.subarray(start, start + n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/** Consumes the body as it arrives: byte count and SHA-256, optionally the first bytes. */
export function digestBody(
  req: IncomingMessage,
  keepUpTo: number,
  done: (err: Error | null, r: { bytes: number; sha256: string; kept: Buffer | null }) => void,
): void {
  const hash = createHash('sha256');
  let bytes = 0;
  let kept: Buffer[] | null = keepUpTo > 0 ? [] : null;
  let finished = false;
  const finish = (err: Error | null): void => {
    if (finished) return;
    finished = true;
    done(err, { bytes, sha256: hash.digest('hex'), kept: kept ? Buffer.concat(kept) : null });
  };
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
    if (kept) {
      if (bytes < keepUpTo) kept.push(chunk);
      else kept = null;
    }
  });
  req.on('end', () => finish(null));
  req.on('error', (err) => finish(err));
  req.on('close', () => {
    if (!req.complete) finish(new Error('request aborted'));
  });
}

export function handleUpload(req: IncomingMessage, res: ServerResponse, send: JsonSender): void {
  digestBody(req, 0, (err, r) => {
    if (err) {
      res.destroy();
      return;
    }
    send(res, 200, { bytes: r.bytes, sha256: r.sha256 });
  });
}

/** Bodies below this size are echoed in full (base64); larger ones only counted and hashed. */
export const ECHO_BODY_LIMIT = 1024 * 1024;

export type JsonSender = (res: ServerResponse, status: number, value: unknown) => void;

export function handleEcho(req: IncomingMessage, res: ServerResponse, send: JsonSender): void {
  digestBody(req, ECHO_BODY_LIMIT, (err, r) => {
    if (err) {
      res.destroy();
      return;
    }
    const raw = req.rawHeaders;
    const rawHeaders: [string, string][] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) rawHeaders.push([raw[i]!, raw[i + 1]!]);
    const rt = req.rawTrailers;
    const rawTrailers: [string, string][] = [];
    for (let i = 0; i + 1 < rt.length; i += 2) rawTrailers.push([rt[i]!, rt[i + 1]!]);
    send(res, 200, {
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders,
      trailers: rawTrailers,
      remoteAddress: req.socket.remoteAddress ?? null,
      bodyBytes: r.bytes,
      bodySha256: r.sha256,
      body: r.kept && r.bytes < ECHO_BODY_LIMIT ? r.kept.toString('base64') : null,
    });
  });
}
