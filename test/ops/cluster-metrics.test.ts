import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './child.js';
import { sample } from './helpers.js';

beforeAll(() => assertBuilt());

describe('metrics with server.workers > 1', () => {
  it('should serve the sum of all workers from the primary, so a scrape never sees one worker only', async () => {
    const proc = spawn(process.execPath, [resolve('test/ops/fixtures/cluster-metrics.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((res, rej) => {
        let out = '';
        proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('\n')) res(out.trim());
        });
        proc.once('exit', (code) => rej(new Error(`fixture exited with ${code}`)));
      });
      for (let i = 0; i < 3; i++) {
        const text = await (await request(`${url}/metrics`)).body.text();
        expect(sample(text, 'gatehouse_second_factor_total', { outcome: 'verified' })).toBe(2);
        expect(sample(text, 'gatehouse_websockets_active')).toBe(6);
        expect(sample(text, 'gatehouse_info', { version: '0.1.0' })).toBe(1);
      }
    } finally {
      proc.kill('SIGTERM');
    }
  });
});
