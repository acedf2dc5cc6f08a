/**
 * Runs the demo intranet on its own:
 *   node dist/demo/intranet-main.js [--port 8081] [--host 127.0.0.1] [--quiet]
 */
import { parseArgs } from 'node:util';
import { ACCOUNTS, startIntranet } from './intranet.js';

const USAGE = 'usage: intranet-main [--port 8081] [--host 127.0.0.1] [--quiet]';

async function main(): Promise<void> {
  let values: { port?: string; host?: string; quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const portText = values.port ?? process.env.PORT ?? '8081';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    process.stderr.write(`invalid port '${portText}'\n${USAGE}\n`);
    process.exit(2);
  }

  const intranet = await startIntranet({ port, host: values.host ?? '127.0.0.1', quiet: values.quiet ?? false });
  process.stdout.write(`Example Intranet listening on ${intranet.url}\n`);
  process.stdout.write(`Accounts: ${ACCOUNTS.map((a) => `${a.username}/${a.password}`).join(', ')}\n`);

  const stop = (signal: string): void => {
    process.stdout.write(`${signal}: shutting down\n`);
    void intranet.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`intranet: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
