import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startIntranet } from '../../demo/intranet.js';
import { startOpsStack, type OpsStack } from './helpers.js';

let stack: OpsStack | undefined;
let restarted: Awaited<ReturnType<typeof startIntranet>> | undefined;
afterEach(async () => {
  await restarted?.close();
  restarted = undefined;
  await stack?.close();
  stack = undefined;
});

interface ReadyBody {
  status: string;
  checks: Record<'policy' | 'store' | 'upstream', { status: string; detail?: string; ms: number }>;
}

async function probe(base: string, what: 'healthz' | 'readyz'): Promise<{ status: number; body: ReadyBody; cacheControl: unknown }> {
  const res = await request(`${base}/_gatehouse/${what}`);
  return { status: res.statusCode, body: (await res.body.json()) as ReadyBody, cacheControl: res.headers['cache-control'] };
}

describe('health and readiness', () => {
  it('should report policy, store and upstream each with its own status when all are up', async () => {
    stack = await startOpsStack();
    const r = await probe(stack.url, 'readyz');
    expect(r.status).toBe(200);
    expect(r.cacheControl).toBe('no-store');
    expect(r.body.status).toBe('ready');
    expect(r.body.checks.policy).toMatchObject({ status: 'ok', detail: expect.stringContaining('version 1') });
    expect(r.body.checks.store).toMatchObject({ status: 'ok', detail: 'sqlite' });
    expect(r.body.checks.upstream).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^HTTP \d{3}$/) });
    expect((await probe(stack.url, 'healthz')).body).toEqual({ status: 'ok' });
  });

  it('should turn 503 while the store fails and 200 again when it is back, healthz staying 200', async () => {
    stack = await startOpsStack();
    stack.failing.ops.add('*');
    const down = await probe(stack.url, 'readyz');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('not ready');
    expect(down.body.checks.store).toMatchObject({ status: 'down', detail: expect.stringContaining('store down') });
    expect(down.body.checks.upstream.status).toBe('ok');
    expect(down.body.checks.policy.status).toBe('ok');
    expect((await probe(stack.url, 'healthz')).status).toBe(200);

    stack.failing.ops.clear();
    const up = await probe(stack.url, 'readyz');
    expect(up.status).toBe(200);
    expect(up.body.checks.store.status).toBe('ok');
  });

  it('should report a store that never answers as down within the probe deadline instead of hanging', async () => {
    stack = await startOpsStack();
    stack.failing.hang.add('ping');
    const started = Date.now();
    const r = await probe(stack.url, 'readyz');
    expect(r.status).toBe(503);
    expect(r.body.checks.store).toMatchObject({ status: 'down', detail: expect.stringContaining('no answer within') });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('should turn 503 while the upstream is stopped and 200 again once it is restarted', async () => {
    stack = await startOpsStack();
    const port = stack.intranet.port;
    await stack.intranet.close();
    const down = await probe(stack.url, 'readyz');
    expect(down.status).toBe(503);
    expect(down.body.checks.upstream.status).toBe('down');
    expect(down.body.checks.store.status).toBe('ok');
    expect((await probe(stack.url, 'healthz')).status).toBe(200);

    restarted = await startIntranet({ port, quiet: true });
    const up = await probe(stack.url, 'readyz');
    expect(up.status).toBe(200);
    expect(up.body.checks.upstream.status).toBe('ok');
  });
});
