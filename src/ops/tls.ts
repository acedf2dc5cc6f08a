/**
 * Serving HTTPS directly (server.tls) for deployments without a load
 * balancer: the certificate and key are read at start and re-read on SIGHUP,
 * so a renewed certificate (certbot, an ACME client) is picked up without a
 * restart and without dropping connections.
 */
import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { GatehouseConfig } from '../config/types.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Expiry of the leaf certificate, epoch ms. */
  notAfter: number;
}

/** Certificate and key paths; relative ones are relative to the config file, like server.dataDir. */
export function tlsPaths(config: GatehouseConfig): { cert: string; key: string } | null {
  const tls = config.server.tls;
  if (!tls) return null;
  const base = config.file ? dirname(config.file) : process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return { cert: abs(tls.cert), key: abs(tls.key) };
}

/**
 * Reads and checks the pair (the key must match the certificate); throws
 * with the file at fault, so a bad renewal is reported, not served.
 */
export function readTls(config: GatehouseConfig): TlsMaterial | null {
  const paths = tlsPaths(config);
  if (!paths) return null;
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`GH_ERR_TLS: cannot read server.tls.${what} ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  const cert = read('cert', paths.cert);
  const key = read('key', paths.key);
  let notAfter: number;
  try {
    createSecureContext({ cert, key });
    notAfter = Date.parse(new X509Certificate(cert).validTo);
  } catch (err) {
    throw new Error(`GH_ERR_TLS: server.tls.cert ${paths.cert} and server.tls.key ${paths.key} do not make a usable pair: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key, notAfter };
}

/** Re-reads the files and swaps the server's certificate for new connections; the old one stays on failure. */
export function reloadTls(server: HttpsServer, config: GatehouseConfig): TlsMaterial | null {
  const material = readTls(config);
  if (material) server.setSecureContext({ cert: material.cert, key: material.key });
  return material;
}
