/** What every console route shares: its dependencies, and rendering a tab inside the console frame. */
import type { FastifyReply } from 'fastify';
import { formatProblem, type ConfigProblem } from '../config/index.js';
import { sendPage } from '../gate/respond.js';
import type { Services } from '../gate/services.js';
import type { Html } from '../pages/index.js';
import { lastReload } from '../server/reload.js';
import type { AdminGuard, AdminPage } from './guard.js';
import { showValue, type PolicyChange } from './policy-raw.js';
import type { RolloutCache } from './rollout.js';
import type { PolicySink, SaveOutcome } from './sink.js';
import type { Flash } from './views/common.js';
import { consolePage, type TabId } from './views/frame.js';

export interface ConsoleDeps {
  s: Services;
  sink: PolicySink;
  rollout: RolloutCache;
  guard: AdminGuard;
  /** Names for the scope tab's suggestions. */
  suggestions: () => Promise<{ users: readonly string[]; groups: readonly string[] }>;
}

/** Datalists beyond this many names make the page heavy for little help; the first ones are offered. */
const MAX_SUGGESTIONS = 1000;
/** Reading every name costs a few hundred ms at 100,000 users: not on every render of the tab. */
const SUGGESTIONS_TTL_MS = 60_000;

export function createSuggestions(s: Services): ConsoleDeps['suggestions'] {
  let cached: { at: number; value: Promise<{ users: readonly string[]; groups: readonly string[] }> } | null = null;
  return () => {
    const now = s.now();
    if (!cached || now - cached.at >= SUGGESTIONS_TTL_MS) {
      const value = s.store.knownNames().then((k) => ({ users: k.users.slice(0, MAX_SUGGESTIONS), groups: k.groups.slice(0, MAX_SUGGESTIONS) }));
      // A failed read is not cached: the next render asks the store again.
      value.catch(() => {
        cached = null;
      });
      cached = { at: now, value };
    }
    return cached.value;
  };
}

export function renderTab(d: ConsoleDeps, reply: FastifyReply, p: AdminPage, tab: TabId, body: Html, status = 200, flash?: Flash): FastifyReply {
  const live = d.s.runtime.live;
  return sendPage(d.s, reply, status, consolePage(p.brand, p.t, {
    tab,
    user: p.identity.user,
    verifiedAt: p.verifiedAt,
    csrf: p.csrf,
    policyVersion: live.version,
    appliedAt: live.loadedAt,
    source: d.sink.description,
    readOnly: d.sink.readOnly,
    lastReload: lastReload(d.s),
    ...(flash ? { flash } : {}),
  }, body));
}

/** `twoFactor.trustedIps[1]: '10.0.0.300' is not an IP address…`: the key path is what an admin recognises on a form. */
export function problemLines(problems: readonly ConfigProblem[]): string[] {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
}

export function changeLines(changes: readonly PolicyChange[]): string[] {
  return changes.map((c) => `${c.path}: ${showValue(c.old)} → ${showValue(c.new)}`);
}

/** The status and message a save outcome is shown with. */
export function outcomeFlash(p: AdminPage, o: SaveOutcome): { status: number; flash: Flash } {
  const t = p.t;
  switch (o.kind) {
    case 'saved':
      return { status: 200, flash: { kind: 'ok', text: t('save.saved', { changes: o.changes.map((c) => c.path).join(', ') }), lines: changeLines(o.changes) } };
    case 'unchanged':
      return { status: 200, flash: { kind: 'notice', text: t('save.unchanged') } };
    case 'stale':
      return { status: 409, flash: { kind: 'error', text: t(o.why === 'changed' ? 'save.stale' : 'save.unapplied') } };
    case 'invalid':
      return { status: 422, flash: { kind: 'error', text: t('save.invalid'), lines: problemLines(o.problems) } };
    case 'broken':
      // These point into the file on disk, so file:line helps whoever fixes it.
      return { status: 409, flash: { kind: 'error', text: t('save.broken'), lines: o.problems.map(formatProblem) } };
    case 'failed':
      return { status: 500, flash: { kind: 'error', text: t('save.failed', { message: o.message }) } };
  }
}
