#!/usr/bin/env -S node --max-semi-space-size=4 --no-memory-reducer
/**
 * The `gatehouse` command: serve | check-config | explain | users | reload.
 * Every command takes --config FILE (default $GATEHOUSE_CONFIG or ./gatehouse.yaml).
 * Exit codes: 0 ok, 1 failure, 2 invalid config or usage.
 */
import { parseArgs } from 'node:util';
import { runCommand } from './cli/commands.js';

const USAGE = `gatehouse — two-factor authentication in front of an intranet

Usage:
  gatehouse serve          --config FILE
  gatehouse check-config   --config FILE
  gatehouse explain        --config FILE --user U [--groups a,b] [--roles r] [--ip IP] [--path P] [--method M]
  gatehouse users list     --config FILE [--status enrolled|skipped|not_enrolled|locked] [--search S] [--limit N]
  gatehouse users show     USER --config FILE
  gatehouse users reset    USER --config FILE
  gatehouse users unlock   USER --config FILE
  gatehouse reload         --config FILE     (validates, then signals the process in dataDir/gatehouse.pid)
  gatehouse policy push    FILE --config FILE   (policy.source: redis)
  gatehouse policy pull    --config FILE
  gatehouse store migrate  --from sqlite --to redis --config FILE
`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        user: { type: 'string' },
        groups: { type: 'string' },
        roles: { type: 'string' },
        ip: { type: 'string' },
        path: { type: 'string' },
        method: { type: 'string' },
        status: { type: 'string' },
        search: { type: 'string' },
        limit: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const configPath = parsed.values.config ?? process.env.GATEHOUSE_CONFIG ?? 'gatehouse.yaml';
  return runCommand(command, rest, { ...parsed.values, config: configPath }, USAGE);
}

main().then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`gatehouse: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
