/**
 * WebSocket echo at `/ws`: text stays text, binary stays binary, and the text
 * `close:CODE:REASON` makes the server close with that code, so tests can see
 * that a proxy relays close codes and reasons unchanged.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface WsStats {
  wsOpen: number;
  wsConnections: number;
}

const CLOSE_COMMAND = /^close:(\d{4}):(.*)$/s;

function validCloseCode(code: number): boolean {
  // RFC 6455 §7.4: 1000 is normal closure; 3000-4999 are for libraries and applications.
  return code === 1000 || (code >= 3000 && code <= 4999);
}

export class EchoSockets {
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: true });

  constructor(private readonly stats: WsStats) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    this.stats.wsOpen++;
    this.stats.wsConnections++;
    ws.on('close', () => {
      this.stats.wsOpen--;
    });
    ws.on('error', () => {
      // A protocol error closes the socket; the 'close' handler does the bookkeeping.
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const m = CLOSE_COMMAND.exec(data.toString());
        const code = m ? Number(m[1]) : NaN;
        if (m && validCloseCode(code) && Buffer.byteLength(m[2]!) <= 123) {
          ws.close(code, m[2]);
          return;
        }
      }
      ws.send(data, { binary: isBinary });
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
