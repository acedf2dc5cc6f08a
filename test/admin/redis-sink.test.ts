import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createPolicySink } from '../../src/admin/sink.js';
import { startPolicySync, type PolicySync } from '../../src/server/policy-sync.js';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';

const REDIS = 'redis://127.0.0.1:6379/0';
let stack: FileStack | undefined;
let sync: PolicySync | undefined;
let prefix = '';

afterEach(async () => {
  await sync?.stop();
  await stack?.close();
  const r = new Redis(REDIS);
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  await r.quit();
  stack = undefined;
  sync = undefined;
});

describe('console saves with policy.source redis', () => {
  it('should write the change to the shared document with a version check, and apply it', async () => {
    prefix = `gh-test-sink-${randomBytes(4).toString('hex')}:`;
    stack = await startFileStack({ config: { policy: { source: 'redis' }, store: { type: 'sqlite', redis: { url: REDIS, keyPrefix: prefix } } } });
    sync = await startPolicySync(stack.gh.services);
    const sink = createPolicySink(stack.gh.services);
    expect(sink.readOnly).toBeNull();
    const v1 = await sink.version();
    expect(v1).toBe('1'); // seeded from the file's policy sections

    const saved = await sink.save((p) => ({ ...p, twoFactor: { ...p.twoFactor, trustedIps: ['10.9.0.0/16'] } }), v1, 'admin');
    expect(saved.kind).toBe('saved');
    expect(stack.gh.runtime.live.config.twoFactor.trustedIps).toEqual(['10.9.0.0/16']);
    const doc = await sync.source.read();
    expect(doc?.version).toBe(2);
    expect(doc?.text).toContain('10.9.0.0/16');

    // A second admin still holding version 1 cannot overwrite it.
    const stale = await sink.save((p) => ({ ...p, twoFactor: { ...p.twoFactor, enforce: false } }), v1, 'other-admin');
    expect(stale.kind).toBe('stale');
    expect(stack.gh.runtime.live.config.twoFactor.enforce).toBe(true);

    // Invalid input writes nothing.
    const invalid = await sink.save((p) => ({ ...p, twoFactor: { ...p.twoFactor, trustedIps: ['10.0.0.300'] } }), '2', 'admin');
    expect(invalid.kind).toBe('invalid');
    expect((await sync.source.read())?.version).toBe(2);
  });
});
