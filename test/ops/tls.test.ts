import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startIntranet, type Intranet } from '../../demo/intranet.js';
import { assertBuilt, startChild, type Child } from './child.js';
import { freePort, sample } from './helpers.js';

let intranet: Intranet | undefined;
let child: Child | undefined;
beforeAll(() => assertBuilt());
afterEach(async () => {
  if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  if (child) rmSync(child.dir, { recursive: true, force: true });
  child = undefined;
  await intranet?.close();
  intranet = undefined;
});

/** A self-signed certificate for 127.0.0.1 (EC P-256: quick to make). */
function makeCert(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

function install(pair: { cert: string; key: string }, dir: string, keyFrom = pair): void {
  // Written in place, as an ACME client renewing the files would.
  execFileSync('cp', [pair.cert, join(dir, 'tls', 'cert.pem')]);
  execFileSync('cp', [keyFrom.key, join(dir, 'tls', 'key.pem')]);
}

/** Common name of the certificate a fresh TLS connection is served, and the ALPN protocol agreed. */
function handshake(port: number, ca: string[]): Promise<{ cn: string | undefined; alpn: string | false | null }> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const cn = sock.getPeerCertificate().subject.CN;
      const alpn = sock.alpnProtocol;
      sock.end();
      resolve({ cn: Array.isArray(cn) ? cn[0] : cn, alpn });
    });
    sock.once('error', reject);
  });
}

let opensslMissing = false;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  opensslMissing = true;
}

describe.skipIf(opensslMissing)('TLS (server.tls), needs the openssl command to make certificates', () => {
  it('should serve HTTPS with the configured pair, swap a renewed certificate on SIGHUP and keep it when the new pair is bad', async () => {
    intranet = await startIntranet({ port: 0, quiet: true });
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-'));
    mkdirSync(join(dir, 'tls'));
    const one = makeCert(dir, 'gatehouse-one');
    const two = makeCert(dir, 'gatehouse-two');
    install(one, dir);
    const metricsPort = await freePort();
    child = await startChild(
      intranet.url,
      // Relative paths: relative to the config file, like server.dataDir.
      // One process: with server.workers > 1 the metrics port belongs to the cluster primary.
      { server: { workers: 1, tls: { cert: 'tls/cert.pem', key: 'tls/key.pem' } }, metrics: { listen: `127.0.0.1:${metricsPort}` } },
      'https',
      dir,
    );
    const c = child;
    const ca = [readFileSync(one.cert, 'utf8'), readFileSync(two.cert, 'utf8')];
    const agent = new Agent({ connect: { ca } });

    const first = await handshake(c.port, ca);
    expect(first.cn).toBe('gatehouse-one');
    // HTTP/1.1 only: never HTTP/2, even to a client that offers it.
    expect(first.alpn).not.toBe('h2');
    const health = await request(`${c.url}/_gatehouse/healthz`, { dispatcher: agent });
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: 'ok' });
    // Proxying works over TLS; the intranet sends anonymous users to its login page.
    const page = await request(`${c.url}/reports`, { dispatcher: agent });
    expect(page.statusCode).toBe(302);
    await page.body.dump();
    // Plain HTTP on the TLS port gets no answer a browser would take.
    await expect(request(`http://127.0.0.1:${c.port}/_gatehouse/healthz`).then((r) => r.statusCode)).rejects.toThrow();

    const metrics = await (await request(`http://127.0.0.1:${metricsPort}/metrics`)).body.text();
    const expiry = sample(metrics, 'gatehouse_tls_certificate_expiry_timestamp_seconds');
    expect(expiry * 1000).toBeGreaterThan(Date.now());

    // Renewal: new files, SIGHUP, new connections get the new certificate.
    install(two, dir);
    c.proc.kill('SIGHUP');
    await c.waitFor((r) => r.msg === 'TLS certificate reloaded');
    expect((await handshake(c.port, ca)).cn).toBe('gatehouse-two');

    // A key that does not match: reported, and the running certificate stays.
    install(one, dir, two);
    c.proc.kill('SIGHUP');
    const failed = await c.waitFor((r) => r.msg === 'TLS certificate reload failed: the previous certificate stays in use');
    expect(String(failed.err)).toContain('server.tls.cert');
    expect((await handshake(c.port, ca)).cn).toBe('gatehouse-two');
    const again = await request(`${c.url}/_gatehouse/healthz`, { dispatcher: new Agent({ connect: { ca } }) });
    expect(again.statusCode).toBe(200);
    await again.body.dump();

    await agent.close();
    c.proc.kill('SIGTERM');
    expect(await c.exited).toMatchObject({ code: 0 });
  });

  it('should refuse to start with a missing certificate, naming the file', async () => {
    intranet = await startIntranet({ port: 0, quiet: true });
    await expect(startChild(intranet.url, { server: { workers: 1, tls: { cert: 'nope/cert.pem', key: 'nope/key.pem' } } }, 'https')).rejects.toThrow(
      /GH_ERR_TLS: cannot read server\.tls\.cert .*nope\/cert\.pem/,
    );
  });
});
