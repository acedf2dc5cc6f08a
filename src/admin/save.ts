/** Saving the policy on behalf of someone (an admin in the console, an API token): the sink does the work, this adds the audit trail. */
import type { Services } from '../gate/services.js';
import type { PolicyEdit, PolicySink, SaveOutcome } from './sink.js';

/** Who asked, as the audit trail records it. */
export interface Actor {
  /** The admin's user name, or `api:<token name>`. */
  name: string;
  ip: string;
  userAgent: string;
}

export function auditBy(s: Services, actor: Actor, e: { type: import('../store/types.js').AuditType; user?: string; detail?: Record<string, unknown> }): Promise<void> {
  return s.audit({ at: s.now(), type: e.type, user: e.user ?? '', actor: actor.name, ip: actor.ip, userAgent: actor.userAgent.slice(0, 200), detail: e.detail ?? {} });
}

export async function savePolicy(s: Services, sink: PolicySink, edit: PolicyEdit, baseVersion: string, actor: Actor): Promise<SaveOutcome> {
  // Shown as the last reload in the console: "admin (save)" tells it from the Reload button.
  const outcome = await sink.save(edit, baseVersion, `${actor.name} (save)`);
  if (outcome.kind === 'saved') {
    await auditBy(s, actor, {
      type: 'policy_changed',
      detail: {
        changes: outcome.changes.map((c) => ({ path: c.path, old: c.old ?? null, new: c.new ?? null })),
        version: outcome.version,
        to: sink.description,
      },
    });
  } else if (outcome.kind !== 'unchanged') {
    s.log.info({ actor: actor.name, outcome: outcome.kind }, 'policy save refused');
  }
  return outcome;
}
