/**
 * Gatehouse's V8 settings (src/server/node-flags.ts) reach every way it is
 * started: the `gatehouse` executable's first line, the systemd unit, and the
 * cluster primary's workers — unless the operator chose their own.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startIntranet, type Intranet } from '../../demo/intranet.js';
import { NODE_FLAGS, withNodeFlags } from '../../src/server/node-flags.js';
import { startChild, type Child } from './child.js';

let intranet: Intranet | undefined;
let child: Child | undefined;
afterEach(async () => {
  if (child) {
    child.proc.kill('SIGTERM');
    await child.exited;
    rmSync(child.dir, { recursive: true, force: true });
  }
  await intranet?.close();
  child = intranet = undefined;
});

describe('node flags', () => {
  it('should add Gatehouse’s flags to a worker’s execArgv', () => {
    expect(withNodeFlags(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', ...NODE_FLAGS]);
  });

  it('should leave a flag the operator set alone, on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(withNodeFlags(['--max-semi-space-size=16', '--memory-reducer'], '')).toEqual(['--max-semi-space-size=16', '--memory-reducer']);
    expect(withNodeFlags(['--max_semi_space_size=16'], '--no-memory-reducer')).toEqual(['--max_semi_space_size=16']);
    expect(withNodeFlags([], '--max-old-space-size=512 --max-semi-space-size=8 --memory_reducer')).toEqual([]);
  });

  it('should start the gatehouse executable with exactly these flags', () => {
    const firstLine = readFileSync('src/cli.ts', 'utf8').split('\n')[0];
    expect(firstLine).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });

  it('should start the systemd unit with these flags', () => {
    const execStart = readFileSync('deploy/gatehouse.service', 'utf8').split('\n').find((l) => l.startsWith('ExecStart='));
    expect(execStart).toContain(`/usr/bin/node ${NODE_FLAGS.join(' ')} /opt/gatehouse/dist/src/cli.js serve`);
  });

  it('should start cluster workers with these flags', async () => {
    intranet = await startIntranet({ port: 0, quiet: true });
    child = await startChild(intranet.url, { server: { workers: 2 } });
    const pid = child.proc.pid!;
    const workers = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    expect(workers).toHaveLength(2);
    for (const w of workers) {
      const argv = readFileSync(`/proc/${w}/cmdline`, 'utf8').split('\0');
      for (const flag of NODE_FLAGS) expect(argv).toContain(flag);
    }
  });
});
