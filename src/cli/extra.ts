/** Commands that belong to the Redis deployment (policy push/pull, store migrate). */
import type { CliOptions } from './commands.js';

export async function extraCommand(command: string, _args: string[], _o: CliOptions): Promise<number> {
  process.stderr.write(`gatehouse ${command}: not available in this build yet\n`);
  return 1;
}
