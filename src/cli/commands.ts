/** The CLI's commands, each a small function over the same config, policy and store the server uses. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, summarize } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { canonicalIp, normalisePath } from '../net/index.js';
import { compilePolicy, explain } from '../policy/index.js';
import { serveWithWorkers } from '../server/cluster.js';
import { PID_FILE } from '../server/serve.js';
import { createStore } from '../store/index.js';
import type { Store, UserState } from '../store/types.js';

export interface CliOptions {
  config: string;
  user?: string;
  groups?: string;
  roles?: string;
  ip?: string;
  path?: string;
  method?: string;
  status?: string;
  search?: string;
  limit?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');

/** Loads the config or prints every problem and returns null (exit 2). */
export function loadOrReport(path: string): GatehouseConfig | null {
  try {
    return loadConfigFile(path);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`${path}: ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}:`);
      err(e.message);
      return null;
    }
    err(`${path}: ${(e as Error).message}`);
    return null;
  }
}

async function withStore<T>(config: GatehouseConfig, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await createStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z') : '-');

export function statusOf(u: UserState, now: number): string {
  if (u.lockedUntil && u.lockedUntil > now) return `locked until ${iso(u.lockedUntil)}`;
  if (u.sealedSecret) return 'enrolled';
  if (u.skippedAt) return `skipped ${iso(u.skippedAt)}`;
  return 'not enrolled';
}

export async function runCommand(command: string, args: string[], o: CliOptions, usage: string): Promise<number> {
  switch (command) {
    case 'serve': {
      const config = loadOrReport(o.config);
      if (!config) return 2;
      await serveWithWorkers(o.config, config);
      return -1; // keeps running
    }
    case 'check-config': {
      const config = loadOrReport(o.config);
      if (!config) return 2;
      out(`${o.config}: OK\n`);
      out(summarize(config));
      return 0;
    }
    case 'explain': {
      const config = loadOrReport(o.config);
      if (!config) return 2;
      if (!o.user) {
        err('explain needs --user');
        return 2;
      }
      const policy = compilePolicy(config);
      const now = Date.now();
      const state = await withStore(config, (s) => s.getUser(o.user!)).catch(() => null);
      const list = (v?: string) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);
      const ip = o.ip ? canonicalIp(o.ip) : '';
      if (o.ip && !ip) {
        err(`--ip ${o.ip}: not an IP address`);
        return 2;
      }
      // Judge the path the way the gate does: normalised, query and fragment
      // off. Unnormalised, `/assets/../secret` was explained as matching the
      // bypass rule /assets/** while the gate (and the intranet) see /secret.
      const rawPath = (o.path ?? '/').split(/[?#]/)[0]!;
      const norm = normalisePath(rawPath);
      if (!norm.ok) {
        out(`decision: refused with 400 before any rule — ${norm.reason}`);
        return 0;
      }
      const ex = explain(policy, {
        identity: { user: o.user, groups: list(o.groups), roles: list(o.roles), source: 'header', credential: 'cli' },
        clientIp: ip,
        method: (o.method ?? 'GET').toUpperCase(),
        path: norm.path,
        claims: { session: null, device: null, skip: null },
        state,
        now,
      });
      if (o.json) {
        out(JSON.stringify(ex, null, 2));
        return 0;
      }
      out(`decision: ${ex.decision.action} — ${ex.decision.reason}`);
      out(`user state: ${state ? statusOf(state, now) : 'never seen'}${ex.usedState ? '' : ' (not needed for this decision)'}`);
      for (const step of ex.steps) out(`  ${step.outcome === 'decided' ? '→' : '·'} ${step.rule.padEnd(18)} ${step.detail}`);
      return 0;
    }
    case 'users': {
      const config = loadOrReport(o.config);
      if (!config) return 2;
      return usersCommand(config, args, o);
    }
    case 'reload': {
      // Validate first: a broken file is reported here, with exit 2, and the
      // running process is not even asked.
      const config = loadOrReport(o.config);
      if (!config) {
        err('reload refused: the running policy stays in force');
        return 2;
      }
      const pidFile = join(config.server.dataDir, PID_FILE);
      if (!existsSync(pidFile)) {
        err(`no running gatehouse: ${pidFile} does not exist`);
        return 1;
      }
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGHUP');
      } catch (e) {
        err(`could not signal process ${pid} from ${pidFile}: ${(e as Error).message}`);
        return 1;
      }
      out(`config valid; sent SIGHUP to gatehouse (pid ${pid})`);
      return 0;
    }
    case 'policy':
    case 'store': {
      const { extraCommand } = await import('./extra.js');
      return extraCommand(command, args, o);
    }
    default:
      err(`unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

async function usersCommand(config: GatehouseConfig, args: string[], o: CliOptions): Promise<number> {
  const [sub, name] = args;
  const now = Date.now();
  return withStore(config, async (store) => {
    switch (sub) {
      case 'list': {
        const status = o.status as 'enrolled' | 'skipped' | 'not_enrolled' | 'locked' | undefined;
        const res = await store.listUsers({ now, offset: 0, limit: Number(o.limit ?? 100), ...(status ? { status } : {}), ...(o.search ? { search: o.search } : {}) });
        if (o.json) {
          out(JSON.stringify(res.users.map((u) => ({ ...u, sealedSecret: undefined, enrolled: !!u.sealedSecret })), null, 2));
          return 0;
        }
        out(`${'USER'.padEnd(20)} ${'STATUS'.padEnd(34)} ${'LAST SEEN'.padEnd(21)} GROUPS`);
        for (const u of res.users) out(`${u.user.padEnd(20)} ${statusOf(u, now).padEnd(34)} ${iso(u.lastSeenAt).padEnd(21)} ${u.lastSeenGroups.join(',')}`);
        out(`${res.users.length} of ${res.total}`);
        return 0;
      }
      case 'show': {
        if (!name) return (err('users show needs a USER'), 2);
        const u = await store.getUser(name);
        if (!u) return (err(`no such user: ${name}`), 1);
        out(`user:            ${u.user}`);
        out(`status:          ${statusOf(u, now)}`);
        out(`enrolled at:     ${iso(u.enrolledAt)}`);
        out(`recovery codes:  ${u.recoveryCodesLeft} left`);
        out(`first prompted:  ${iso(u.firstPromptedAt)}`);
        out(`skipped at:      ${iso(u.skippedAt)}`);
        out(`last seen:       ${iso(u.lastSeenAt)} from ${u.lastSeenIp || '-'}`);
        out(`last verified:   ${iso(u.lastVerifiedAt)}`);
        out(`groups:          ${u.lastSeenGroups.join(', ') || '-'}`);
        out(`generation:      ${u.generation}`);
        return 0;
      }
      case 'reset': {
        if (!name) return (err('users reset needs a USER'), 2);
        const generation = await store.resetUser(name);
        await store.audit({ at: now, type: 'reset', user: name, actor: 'cli', ip: '', userAgent: 'gatehouse-cli', detail: { generation } });
        out(`${name}: reset (secret and recovery codes deleted, remembered devices and sessions ended); they will set up again at next visit`);
        return 0;
      }
      case 'unlock': {
        if (!name) return (err('users unlock needs a USER'), 2);
        await store.clearFailures('user:' + name);
        await store.audit({ at: now, type: 'unlocked', user: name, actor: 'cli', ip: '', userAgent: 'gatehouse-cli', detail: {} });
        out(`${name}: unlocked`);
        return 0;
      }
      default:
        err('usage: gatehouse users list|show|reset|unlock [USER] --config FILE');
        return 2;
    }
  });
}
