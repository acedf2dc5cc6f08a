// Docker HEALTHCHECK: exit 0 when Gatehouse answers its liveness route.
// Plain Node (no curl in the slim image). The URL comes from
// GATEHOUSE_HEALTH_URL; with server.tls the certificate is not verified here,
// because this probe asks "is the process alive", over loopback, not "is the
// certificate right" (the gatehouse_tls_certificate_expiry metric is for that).
import http from 'node:http';
import https from 'node:https';

const url = new URL(process.env.GATEHOUSE_HEALTH_URL || 'http://127.0.0.1:8080/_gatehouse/healthz');
const client = url.protocol === 'https:' ? https : http;
const req = client.get(url, { timeout: 4000, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (err) => {
  process.stderr.write(`healthcheck ${url.href}: ${err.message}\n`);
  process.exit(1);
});
