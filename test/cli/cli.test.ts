/**
 * The `gatehouse` command as an operator runs it (dist/src/cli.js, built by
 * `npm test`): check-config, explain, users list/show/reset/unlock against a
 * SQLite dataDir, and reload refusing an invalid file without signalling.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/index.js';
import { createStore } from '../../src/store/index.js';

const CLI = resolve('dist/src/cli.js');
let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does) before this suite`);
});
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function gatehouse(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const VALID = `server:
  publicUrl: http://localhost:8080
  dataDir: ./data
upstream:
  url: http://127.0.0.1:8081
identity:
  sessionCookie: sid
  lookup:
    path: /api/me
    user: { json: username }
    groups: { json: groups }
twoFactor:
  enabledFor:
    users: [alice]
    groups: [finance]
  trustedIps: [10.1.0.0/16]
bypass:
  - /login
  - /assets/**
`;

function writeConfig(text: string): string {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  const file = join(dir, 'gatehouse.yaml');
  writeFileSync(file, text);
  return file;
}

describe('gatehouse check-config', () => {
  it('should accept config.example.yaml with exit 0 and a summary of the effective policy', () => {
    const r = gatehouse(['check-config', '--config', 'config.example.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('config.example.yaml: OK');
    for (const line of ['Upstream', 'Identity', 'In scope', 'users alice; groups finance', 'Set-up', 'optional', '14d', 'Devices', '30 days', 'Bypass', '/login']) {
      expect(r.out).toContain(line);
    }
    // One screen.
    expect(r.out.trim().split('\n').length).toBeLessThanOrEqual(40);
  });

  it('should list all five mistakes of a broken file with file:line and key path, and exit 2', () => {
    const file = writeConfig(`server:
  publicUrl: http://localhost:8080
upstream:
  url: http://127.0.0.1:8081
  timeout: 30 seconds
identity:
  lookup:
    path: /api/me
    user: { json: username }
twoFactor:
  enforced: false
  trustedIps:
    - 10.0.0.0/8
    - 10.0.0.300
  lockout: { maxFailures: lots }
bypass:
  - assets/**
`);
    const r = gatehouse(['check-config', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('5 problems');
    // One line per problem, each `FILE:LINE:COL: key.path: why` (the heading line has no line number).
    const lines = r.err.split('\n').filter((l) => l.startsWith(file + ':') && /^\d+:/.test(l.slice(file.length + 1)));
    expect(lines).toHaveLength(5);
    const expected: [number, string, RegExp][] = [
      [5, 'upstream.timeout', /not a duration/],
      [11, 'twoFactor.enforced', /did you mean 'enforce'/],
      [14, 'twoFactor.trustedIps[1]', /not an IP address/],
      [15, 'twoFactor.lockout.maxFailures', /./],
      [17, 'bypass[0]', /must start with '\/'/],
    ];
    for (const [line, path, why] of expected) {
      const hit = lines.find((l) => l.startsWith(`${file}:${line}:`) && l.includes(` ${path}: `));
      expect(hit, `${path} at line ${line} in:\n${r.err}`).toBeDefined();
      expect(hit).toMatch(why);
    }
  });

  it('should exit 2 with a clear message for a missing file', () => {
    const r = gatehouse(['check-config', '--config', '/nonexistent/gatehouse.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('/nonexistent/gatehouse.yaml');
  });
});

describe('gatehouse explain', () => {
  it('should print the decision and the rule that made it', () => {
    const file = writeConfig(VALID);
    const enrol = gatehouse(['explain', '--config', file, '--user', 'alice', '--path', '/reports']);
    expect(enrol.code).toBe(0);
    expect(enrol.out).toMatch(/^decision: enrol — set-up required/m);
    expect(enrol.out).toMatch(/→ enforce/);

    const out = gatehouse(['explain', '--config', file, '--user', 'bob', '--groups', 'staff']);
    expect(out.out).toMatch(/^decision: forward — not in scope/m);
    expect(out.out).toMatch(/→ scope/);

    const group = gatehouse(['explain', '--config', file, '--user', 'erin', '--groups', 'staff,finance']);
    expect(group.out).toMatch(/^decision: enrol/m);
    expect(group.out).toContain('finance');

    const trusted = gatehouse(['explain', '--config', file, '--user', 'alice', '--ip', '10.1.2.3']);
    expect(trusted.out).toMatch(/^decision: forward — trusted IP 10\.1\.0\.0\/16/m);
    expect(trusted.out).toMatch(/→ trusted_ip/);

    const bypass = gatehouse(['explain', '--config', file, '--user', 'alice', '--path', '/assets/app.css']);
    expect(bypass.out).toMatch(/^decision: forward — bypass rule \/assets\/\*\*/m);
  });

  it('should judge the normalised path, as the gate does (no way around a bypass rule with dot segments)', () => {
    const file = writeConfig(VALID);
    const r = gatehouse(['explain', '--config', file, '--user', 'alice', '--path', '/assets/../secret']);
    expect(r.out).toMatch(/^decision: enrol/m);
    expect(r.out).toContain('no bypass rule matches /secret');
    const encoded = gatehouse(['explain', '--config', file, '--user', 'alice', '--path', '/assets/..%2Fsecret']);
    expect(encoded.out).toMatch(/400/);
  });

  it('should refuse a bad --ip or a missing --user with exit 2', () => {
    const file = writeConfig(VALID);
    expect(gatehouse(['explain', '--config', file, '--user', 'alice', '--ip', '10.1']).code).toBe(2);
    expect(gatehouse(['explain', '--config', file]).code).toBe(2);
  });
});

describe('gatehouse users', () => {
  async function seed(file: string): Promise<void> {
    const config = loadConfigFile(file);
    const store = await createStore(config);
    const now = Date.now();
    await store.touchUser('alice', { at: now - 60_000, ip: '10.1.2.3', groups: ['finance', 'staff'], prompted: true });
    await store.enrol('alice', { sealedSecret: 'sealed-not-real', at: now - 50_000, timeStep: 1, recoveryHashes: ['h1', 'h2', 'h3'] });
    await store.touchUser('bob', { at: now - 30_000, ip: '192.0.2.7', groups: ['staff'] });
    await store.recordFailure('user:bob', now, { windowMs: 300_000, maxFailures: 1, durationMs: 900_000 });
    await store.touchUser('carol', { at: now - 10_000, ip: '192.0.2.8', groups: ['contractors'], prompted: true });
    await store.setSkipped('carol', now - 5_000);
    await store.close();
  }

  it('should list, show, reset and unlock users in the SQLite store of dataDir', async () => {
    const file = writeConfig(VALID);
    await seed(file);

    const list = gatehouse(['users', 'list', '--config', file]);
    expect(list.code).toBe(0);
    const row = (u: string) => list.out.split('\n').find((l) => l.startsWith(u + ' '));
    expect(row('alice')).toMatch(/enrolled/);
    expect(row('alice')).toContain('finance,staff');
    expect(row('bob')).toMatch(/locked until/);
    expect(row('carol')).toMatch(/skipped/);
    expect(list.out).toContain('3 of 3');

    const enrolledOnly = gatehouse(['users', 'list', '--config', file, '--status', 'enrolled']);
    expect(enrolledOnly.out).toContain('alice');
    expect(enrolledOnly.out).not.toMatch(/^bob /m);

    const show = gatehouse(['users', 'show', 'alice', '--config', file]);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/status:\s+enrolled/);
    expect(show.out).toMatch(/recovery codes:\s+3 left/);
    expect(show.out).toMatch(/last seen:.*from 10\.1\.2\.3/);
    expect(show.out).not.toContain('sealed-not-real');
    const generation = Number(/generation:\s+(\d+)/.exec(show.out)![1]);

    const reset = gatehouse(['users', 'reset', 'alice', '--config', file]);
    expect(reset.code).toBe(0);
    expect(reset.out).toContain('alice: reset');
    const after = gatehouse(['users', 'show', 'alice', '--config', file]);
    expect(after.out).toMatch(/status:\s+not enrolled/);
    expect(after.out).toMatch(/recovery codes:\s+0 left/);
    expect(Number(/generation:\s+(\d+)/.exec(after.out)![1])).toBe(generation + 1);

    const unlock = gatehouse(['users', 'unlock', 'bob', '--config', file]);
    expect(unlock.code).toBe(0);
    expect(gatehouse(['users', 'show', 'bob', '--config', file]).out).toMatch(/status:\s+not enrolled/);

    // Both actions are in the audit trail, by the CLI.
    const store = await createStore(loadConfigFile(file));
    try {
      expect((await store.listAudit({ type: 'reset', limit: 5 })).map((e) => [e.user, e.actor])).toEqual([['alice', 'cli']]);
      expect((await store.listAudit({ type: 'unlocked', limit: 5 })).map((e) => [e.user, e.actor])).toEqual([['bob', 'cli']]);
    } finally {
      await store.close();
    }
  });

  it('should say so for an unknown user, and exit 2 on a missing user name', async () => {
    const file = writeConfig(VALID);
    const r = gatehouse(['users', 'show', 'nobody', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no such user: nobody');
    expect(gatehouse(['users', 'reset', '--config', file]).code).toBe(2);
    expect(gatehouse(['users', 'frobnicate', '--config', file]).code).toBe(2);
  });
});

describe('gatehouse reload', () => {
  let target: ChildProcess | undefined;
  afterAll(() => {
    target?.kill('SIGKILL');
  });

  /** A stand-in for a running gatehouse: counts the SIGHUPs it gets and reports the count over IPC. */
  function startTarget(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-e', `
      let hups = 0;
      process.on('SIGHUP', () => { hups++; });
      process.on('message', () => process.send(hups));
      process.send('ready');
    `], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    return new Promise((ok) => child.once('message', () => ok(child)));
  }

  function hups(child: ChildProcess): Promise<number> {
    return new Promise((ok) => {
      child.once('message', (m) => ok(m as number));
      child.send('count');
    });
  }

  async function waitForHups(child: ChildProcess, n: number): Promise<void> {
    // The signal is delivered asynchronously: ask until it has been counted (bounded by the test timeout).
    while ((await hups(child)) < n) await new Promise((r) => setImmediate(r));
  }

  it('should signal the process in dataDir/gatehouse.pid for a valid file, and refuse an invalid one with exit 2 without signalling', async () => {
    const file = writeConfig(VALID);
    target = await startTarget();
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'gatehouse.pid'), `${target.pid}\n`);

    const ok = gatehouse(['reload', '--config', file]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`sent SIGHUP to gatehouse (pid ${target.pid})`);
    await waitForHups(target, 1);

    writeFileSync(file, VALID.replace('enabledFor:', 'enabledFoor:').replace('10.1.0.0/16', '10.1.0.0/33'));
    const bad = gatehouse(['reload', '--config', file]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('twoFactor.enabledFoor');
    expect(bad.err).toContain('twoFactor.trustedIps[0]');
    expect(bad.err).toContain('reload refused');
    expect(bad.out).not.toContain('SIGHUP');

    // A later valid reload is the second signal the process ever got.
    writeFileSync(file, VALID);
    expect(gatehouse(['reload', '--config', file]).code).toBe(0);
    await waitForHups(target, 2);
    expect(await hups(target)).toBe(2);
  });

  it('should exit 1 when no gatehouse is running (no pid file)', () => {
    const file = writeConfig(VALID);
    const r = gatehouse(['reload', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('gatehouse.pid');
  });
});
