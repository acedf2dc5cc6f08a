/**
 * Who gets into the console: an admin (admin.users / admin.groups) whose
 * second factor was entered within the last 15 minutes in this intranet
 * login. Neither a trusted IP nor a remembered device counts: both let a
 * user through to the intranet without a code, which is too little for
 * changing who needs one (step-up).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../gate/respond.js';
import type { Services } from '../gate/services.js';
import { pageContext, redirect, type PageContext } from '../flow/index.js';
import { isAdmin } from '../policy/index.js';
import { auditBy, type Actor } from './save.js';
import { adminTranslator, type AdminTranslate } from './texts.js';

export const STEP_UP_MS = 15 * 60_000;

export interface AdminPage extends PageContext {
  t: AdminTranslate;
  actor: Actor;
  /** When the admin's second factor was entered. */
  verifiedAt: number;
}

/** When this login's 2FA session was verified, if it is fresh enough for the console. */
export function freshVerification(s: Services, p: PageContext): number | null {
  const claim = p.ctx.claims.session;
  const state = p.state;
  if (!claim || !state) return null;
  const limits = s.runtime.live.config.twoFactor.session;
  const now = p.ctx.now;
  const valid =
    claim.user === p.identity.user &&
    claim.generation === state.generation &&
    claim.credential === p.identity.credential &&
    // Written so that NaN fails, as in the policy.
    now - claim.verifiedAt < Math.min(STEP_UP_MS, limits.maxAgeMs) &&
    now - claim.activeAt < limits.idleTimeoutMs;
  return valid ? claim.verifiedAt : null;
}

const AUDITED_LOGINS_MAX = 1000;

export function createAdminGuard(s: Services) {
  // One admin_login event per verified session, not one per page view.
  const audited = new Set<string>();

  return async function adminPage(req: FastifyRequest, reply: FastifyReply): Promise<AdminPage | null> {
    const p = await pageContext(s, req, reply, undefined);
    if (!p) return null;
    const prefix = s.runtime.live.config.server.prefix;
    if (!isAdmin(s.runtime.live.policy, p.identity)) {
      req.log.warn({ user: p.identity.user, path: p.ctx.path }, 'admin console refused: not an admin');
      sendError(s, req, reply, 'GH_ERR_FORBIDDEN');
      return null;
    }
    // Where to come back after the code: the page asked for, or the console's front page after a POST.
    const here = req.method === 'GET' ? p.ctx.path + p.ctx.query : `${prefix}/admin`;
    if (!p.state?.sealedSecret) {
      redirect(s, reply, `${prefix}/enrol?rd=${encodeURIComponent(here)}`);
      return null;
    }
    const verifiedAt = freshVerification(s, p);
    if (verifiedAt === null) {
      redirect(s, reply, `${prefix}/challenge?rd=${encodeURIComponent(here)}&stepup=1`);
      return null;
    }
    const actor: Actor = { name: p.identity.user, ip: p.ctx.clientIp, userAgent: String(req.headers['user-agent'] ?? '') };
    const key = `${p.identity.user}\n${verifiedAt}`;
    if (!audited.has(key)) {
      if (audited.size >= AUDITED_LOGINS_MAX) audited.clear();
      audited.add(key);
      await auditBy(s, actor, { type: 'admin_login', user: p.identity.user, detail: { verifiedAt: new Date(verifiedAt).toISOString() } });
    }
    reply.header('cache-control', 'no-store');
    return { ...p, t: adminTranslator(p.brand.lang), actor, verifiedAt };
  };
}
export type AdminGuard = ReturnType<typeof createAdminGuard>;
