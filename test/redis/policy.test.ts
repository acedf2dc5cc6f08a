/**
 * policy.source: redis across replicas: a policy written through one replica
 * (or `gatehouse policy push`) is applied by every other within a second; an
 * invalid one is refused by the CLI and ignored by replicas, which keep the
 * policy they run. Every wait is on the replica's own "applied"/"rejected"
 * event, bounded, never a sleep.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parsePolicyDocument } from '../../src/config/index.js';
import { policyTextOf } from '../../src/config/policy-text.js';
import { createPolicySink } from '../../src/admin/sink.js';
import type { PolicySyncEvent } from '../../src/server/policy-sync.js';
import { reloadFromFile } from '../../src/server/reload.js';
import { Browser, pathOf } from '../helpers/client.js';
import { eventLog, REDIS_URL, runCli, startReplicas, type Replica, type Replicas } from './support.js';

let r: Replicas | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const pair = (x: Replicas) => x.replicas as [Replica, Replica];

/** The replica's policy text with bob added to the users in scope. */
function withBobInScope(replica: Replica): string {
  const doc = YAML.parse(policyTextOf(readFileSync(replica.file, 'utf8'))) as { twoFactor: { enabledFor: { users: string[] } } };
  doc.twoFactor.enabledFor.users.push('bob');
  return YAML.stringify(doc);
}

/** Bob is out of scope in the baseline: forwarded. In scope and never enrolled: sent to set-up. */
async function bobOn(replica: Replica): Promise<'forwarded' | 'asked to enrol'> {
  const b = new Browser(replica.url);
  await b.login('bob');
  const res = await b.get('/reports');
  if (res.status === 200 && res.body.includes('Logged in as bob')) return 'forwarded';
  expect(pathOf(res.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
  return 'asked to enrol';
}

/** Every policy event of a replica from now on (the sync's own applied/rejected notifications). */
const events = (replica: Replica) => eventLog<PolicySyncEvent>((cb) => replica.policy!.onEvent(cb));
const applied = (log: ReturnType<typeof events>, name: string, version: number, timeoutMs = 5000) =>
  log.next(`replica ${name} to apply policy v${version}`, (e) => e.kind === 'applied' && e.version === version, timeoutMs);
const rejected = (log: ReturnType<typeof events>, name: string, version: number) =>
  log.next(`replica ${name} to refuse policy v${version}`, (e) => e.kind === 'rejected' && e.version === version);

describe('policy in redis across replicas', () => {
  it('should seed redis from the first replica and apply a change written through A on B at once (pub/sub)', async () => {
    // The periodic check is pushed out of the way: only the message can deliver in time.
    r = await startReplicas({ policySource: 'redis', pollMs: 600_000 });
    const [A, B] = pair(r);
    const stored = await A.policy!.source.read();
    expect(stored?.version).toBe(1);
    expect(stored?.by).toBe(`seed:${A.file}`);
    expect(B.policy!.appliedVersion()).toBe(1);
    expect(await bobOn(B)).toBe('forwarded');

    const text = withBobInScope(A);
    parsePolicyDocument(text, 'edit'); // validated first, as the console and the CLI do
    const onB = events(B);
    const write = await A.policy!.source.write(text, 1, 'console:admin', r.clock.t);
    expect(write).toEqual({ ok: true, version: 2 });
    await applied(onB, 'B', 2);
    expect(B.gh.runtime.live.config.twoFactor.enabledFor.users).toContain('bob');
    expect(await bobOn(B)).toBe('asked to enrol');

    // Versioned: a writer that did not see version 2 cannot overwrite it.
    expect(await B.policy!.source.write(readFileSync(B.file, 'utf8'), 1, 'console:other', r.clock.t)).toEqual({ ok: false, conflict: true, currentVersion: 2 });
  });

  it('should apply a change whose message was missed through the once-a-second version check', async () => {
    r = await startReplicas({ policySource: 'redis' });
    const [A, B] = pair(r);
    // Written behind the replicas' backs: no PUBLISH, so only the periodic check can see it.
    const raw = new Redis(REDIS_URL);
    try {
      const onB = events(B);
      await raw.hset(`${r.keyPrefix}policy`, 'yaml', withBobInScope(A), 'version', 2, 'by', 'test', 'at', r.clock.t);
      await applied(onB, 'B', 2);
    } finally {
      raw.disconnect();
    }
    expect(await bobOn(B)).toBe('asked to enrol');
  });

  it('should push with `gatehouse policy push`, print with `policy pull`, and refuse an invalid file with exit 2', async () => {
    r = await startReplicas({ policySource: 'redis' });
    const [A, B] = pair(r);
    const dir = A.config.server.dataDir;

    const pulled = await runCli(['policy', 'pull', '--config', A.file]);
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toMatch(/^# policy version 1, written by seed:/);
    expect(YAML.parse(pulled.stdout)).toMatchObject({ twoFactor: { enabledFor: { users: ['alice', 'admin'] } } });

    const bad = join(dir, 'bad-policy.yaml');
    writeFileSync(bad, 'twoFactor:\n  enforce: maybe\n');
    const refused = await runCli(['policy', 'push', bad, '--config', A.file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${bad}: not pushed`);
    expect(refused.stderr).toContain('twoFactor.enforce');
    expect(await A.policy!.source.version()).toBe(1);

    const good = join(dir, 'policy.yaml');
    writeFileSync(good, withBobInScope(A));
    const onA = events(A);
    const onB = events(B);
    const pushed = await runCli(['policy', 'push', good, '--config', A.file]);
    expect(pushed.stdout).toContain('pushed policy version 2');
    expect(pushed.code).toBe(0);
    await Promise.all([applied(onA, 'A', 2), applied(onB, 'B', 2)]);
    expect(await A.store.listAudit({ limit: 5, type: 'policy_changed' })).toMatchObject([{ actor: 'cli', detail: { version: 2, to: 'redis', file: good } }]);
    expect(await bobOn(A)).toBe('asked to enrol');
    expect(await bobOn(B)).toBe('asked to enrol');
    const again = await runCli(['policy', 'pull', '--config', B.file]);
    expect(again.stdout).toMatch(/^# policy version 2, written by cli/);
    expect(YAML.parse(again.stdout).twoFactor.enabledFor.users).toContain('bob');
  });

  it('should keep the running policy on every replica when an invalid document lands in redis', async () => {
    r = await startReplicas({ policySource: 'redis' });
    const [A, B] = pair(r);
    const before = { a: A.gh.runtime.live, b: B.gh.runtime.live };
    const [logA, logB] = [events(A), events(B)];
    // Written without validation, as a buggy tool or a hand-edit with redis-cli would.
    await A.policy!.source.write('twoFactor:\n  enforce: maybe\n  lockout: { maxFailures: -1 }\n', 1, 'hand-edit', r.clock.t);
    const [ea, eb] = await Promise.all([rejected(logA, 'A', 2), rejected(logB, 'B', 2)]);
    expect(eb.kind === 'rejected' && eb.errors.join('\n')).toContain('twoFactor.enforce');
    expect(ea.kind).toBe('rejected');
    expect(A.gh.runtime.live).toBe(before.a);
    expect(B.gh.runtime.live).toBe(before.b);
    expect(A.policy!.appliedVersion()).toBe(1);
    expect(await bobOn(B)).toBe('forwarded');

    // Not stuck: the next valid version is applied.
    await A.policy!.source.write(withBobInScope(A), 2, 'console:admin', r.clock.t);
    await applied(logB, 'B', 3);
    expect(await bobOn(B)).toBe('asked to enrol');
  });

  it('should save console edits into redis: applied here at once, on the other replica by its sync, versioned', async () => {
    r = await startReplicas({ policySource: 'redis' });
    const [A, B] = pair(r);
    // The console's and the API's sink, as they pick it for policy.source redis.
    const sink = createPolicySink(A.gh.services);
    const base = await sink.version();
    expect(base).toBe('1');
    const logB = events(B);
    const saved = await sink.save((p) => ({ ...p, twoFactor: { ...p.twoFactor, enabledFor: { ...p.twoFactor.enabledFor, users: [...p.twoFactor.enabledFor.users, 'bob'] } } }), base, 'admin');
    expect(saved).toMatchObject({ kind: 'saved', version: '2', changes: [{ path: 'twoFactor.enabledFor.users' }], applied: { ok: true } });
    expect(await bobOn(A)).toBe('asked to enrol');
    await applied(logB, 'B', 2);
    expect(await bobOn(B)).toBe('asked to enrol');
    expect((await A.policy!.source.read())?.by).toBe('admin');

    // A form loaded before that save is stale; an invalid edit is refused and nothing is written.
    expect(await createPolicySink(B.gh.services).save((p) => p, base, 'other')).toMatchObject({ kind: 'stale', why: 'changed', version: '2' });
    const invalid = await sink.save((p) => ({ ...p, twoFactor: { ...p.twoFactor, lockout: { ...p.twoFactor.lockout, window: 'soon' } } }), '2', 'admin');
    expect(invalid.kind).toBe('invalid');
    expect(await A.policy!.source.version()).toBe(2);
  });

  it("should keep the shared policy when a replica reloads its file's policy sections", async () => {
    r = await startReplicas({ policySource: 'redis' });
    const [A, B] = pair(r);
    // B's file now says bob is in scope; redis (the source) still says he is not.
    const edited = YAML.parse(readFileSync(B.file, 'utf8')) as { twoFactor: { enabledFor: { users: string[] } } };
    edited.twoFactor.enabledFor.users.push('bob');
    writeFileSync(B.file, YAML.stringify(edited));
    const result = await reloadFromFile(B.gh.services, 'SIGHUP');
    expect(result.ok).toBe(true);
    // The file's policy sections only seed redis: a reload never applies them.
    expect(B.gh.runtime.live.config.twoFactor.enabledFor.users).not.toContain('bob');
    expect(await bobOn(B)).toBe('forwarded');
    expect(await bobOn(A)).toBe('forwarded');
  });
});
