/**
 * `npm run demo`: the demo intranet on 127.0.0.1:8081 and Gatehouse on
 * 127.0.0.1:8080 with config.example.yaml and the embedded SQLite store —
 * no other service needed. Ctrl-C stops both.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../src/server/serve.js';
import { startIntranet } from './intranet.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const configPath = process.env.GATEHOUSE_CONFIG ?? join(root, 'config.example.yaml');

const intranet = await startIntranet({ port: Number(process.env.INTRANET_PORT ?? 8081), quiet: true });
const gate = await serve(configPath);
const publicUrl = gate.gh.runtime.live.config.server.publicUrl;
const prefix = gate.gh.runtime.live.config.server.prefix;

process.stdout.write(`
  Demo intranet : ${intranet.url}   (behind Gatehouse; don't use it directly)
  Gatehouse     : ${publicUrl}      <- open this

  Log in as alice / alice-pw  (in scope: asked to set up two-factor, may skip for 14 days)
        or bob / bob-pw       (out of scope: never sees Gatehouse)
        or admin / admin-pw   (the console: ${publicUrl}${prefix}/admin)
  Codes without a phone:  oathtool --totp -b 'KEY FROM THE PAGE'
  Data (SQLite, generated keys): ${gate.gh.runtime.live.config.server.dataDir}
  Ctrl-C to stop.
`);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => void intranet.close());
}
