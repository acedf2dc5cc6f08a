/**
 * V8 settings Gatehouse runs with (each measured in docs/performance.md):
 *
 * - `--max-semi-space-size=4`: a proxy allocates a little per request and
 *   keeps almost none of it, so V8's default young generation (semi-spaces of
 *   up to 16 MB) mostly holds garbage yet stays resident; capping it keeps
 *   RSS under load ≈ 30 MB lower for ≈ 1 % more CPU.
 * - `--no-memory-reducer`: when traffic pauses for a few seconds, V8 shrinks
 *   the heap, and the next burst of requests then runs 15–50 % slower (more
 *   and longer collections, p99 up to 30–50 ms) until it has grown back. An
 *   intranet's traffic comes in bursts; the heap it gives back is a few MB.
 *
 * Heap settings are fixed when the process starts, so the flags go on the
 * command line: the `gatehouse` executable's first line (which the Dockerfile
 * uses), the systemd unit, and the cluster primary adds them for its workers.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--no-memory-reducer'];

/** `execArgv` plus every flag of NODE_FLAGS the operator has not set (on the command line or in NODE_OPTIONS). */
export function withNodeFlags(execArgv: readonly string[], nodeOptions: string = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map(flagName);
  return [...execArgv, ...NODE_FLAGS.filter((f) => !given.includes(flagName(f)))];
}

/** `--max-semi-space-size=4` → `--max-semi-space-size`, `--no-memory-reducer` → `--memory-reducer`; V8 reads `_` and `-` alike. */
function flagName(arg: string): string {
  const eq = arg.indexOf('=');
  return (eq === -1 ? arg : arg.slice(0, eq)).replace(/_/g, '-').replace(/^--no-/, '--');
}
