/**
 * Graceful stop: stop accepting, let requests in flight finish, tell
 * WebSocket clients we are going away, then close the store, all within
 * server.shutdownTimeout.
 */
import type { Duplex } from 'node:stream';
import type { Server } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/types.js';
import type { MetricsServer } from './metrics-server.js';

/**
 * An unmasked WebSocket close frame (RFC 6455 §5.5.1), status 1001 "going
 * away" (§7.4.1): a server frame is never masked.
 */
const GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);
/** How long a WebSocket client gets to answer our close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/**
 * Sends the close frame to a spliced WebSocket client and ends the socket.
 * Gatehouse relays frames without parsing them, so if an intranet frame was
 * half-written at this instant the client sees a broken frame instead of
 * 1001; either way it reconnects, which is all 1001 asks of it.
 */
export function goingAway(sock: Duplex): void {
  if (sock.writable) {
    sock.write(GOING_AWAY);
    sock.end();
  }
  setTimeout(() => sock.destroy(), CLOSE_GRACE_MS).unref();
}

export interface StopParts {
  server: Server;
  /** Stops the app: no new connections, waits for requests in flight, closes WebSockets (GatehouseApp.close). */
  closeApp(): Promise<void>;
  store: Store;
  metricsServer: MetricsServer | null;
  timeoutMs: number;
  log: FastifyBaseLogger;
}

/** Resolves when everything is closed; `timedOut` when requests had to be cut at the deadline. */
export async function gracefulStop(p: StopParts): Promise<{ timedOut: boolean }> {
  let timedOut = false;
  // A keep-alive connection whose request was in flight at close becomes idle
  // afterwards; server.close() only reaped the connections idle at the time.
  const reaper = setInterval(() => p.server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => {
    timedOut = true;
    p.log.warn({ timeoutMs: p.timeoutMs }, 'shutdown timeout reached: closing the connections still open');
    p.server.closeAllConnections();
  }, p.timeoutMs);
  reaper.unref();
  deadline.unref();
  try {
    await p.closeApp();
  } finally {
    clearInterval(reaper);
    clearTimeout(deadline);
  }
  if (p.metricsServer) await p.metricsServer.close();
  try {
    // SQLite checkpoints its WAL on close; Redis sends QUIT after pending commands.
    await p.store.close();
  } catch (err) {
    p.log.error({ err: (err as Error).message }, 'closing the store failed');
  }
  return { timedOut };
}
