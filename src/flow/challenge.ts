/**
 * The challenge page: a code from the authenticator app (or a recovery code)
 * turns an intranet login into a verified 2FA session. Every accepted code's
 * time-step goes through the store's replay guard; every wrong one counts
 * towards the lockout of the user and of the client IP.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError, sendPage } from '../gate/respond.js';
import type { Services } from '../gate/services.js';
import { challengePage, lockedPage, recoveryUsePage } from '../pages/index.js';
import { hashRecoveryCode, normaliseRecoveryCode, verifyCode } from '../totp/index.js';
import { auditEvent, csrfOk, field, pageContext, redirect, type PageContext } from './context.js';
import { activeLock, countFailure, verifiedCookies } from './issue.js';

type Req = FastifyRequest<{ Querystring: Record<string, string | undefined> }>;

export function registerChallenge(app: FastifyInstance, s: Services): void {
  const prefix = () => s.runtime.live.config.server.prefix;

  function renderChallenge(reply: FastifyReply, p: PageContext, status: number, error?: string, stepUp = false): FastifyReply {
    const tf = s.runtime.live.config.twoFactor;
    return sendPage(s, reply, status, challengePage(p.brand, {
      user: p.identity.user,
      csrf: p.csrf,
      rd: p.rd,
      rememberDays: tf.rememberDevices.enabled ? tf.rememberDevices.days : null,
      stepUp,
      ...(error ? { error } : {}),
    }));
  }

  async function guard(req: FastifyRequest, reply: FastifyReply, p: PageContext): Promise<boolean> {
    if (!p.state?.sealedSecret) {
      redirect(s, reply, `${prefix()}/enrol?rd=${encodeURIComponent(p.rd)}`);
      return false;
    }
    const lock = await activeLock(s, p);
    if (lock !== null) {
      sendPage(s, reply, 429, lockedPage(p.brand, lock, p.ctx.now));
      return false;
    }
    return true;
  }

  async function failed(req: FastifyRequest, reply: FastifyReply, p: PageContext, why: string, render: (error: string) => FastifyReply): Promise<FastifyReply> {
    // One generic message on the page, the exact cause in the log (STYLE 5).
    req.log.info({ user: p.identity.user, why }, 'second factor refused');
    await s.audit(auditEvent(req, p, { type: 'failed', user: p.identity.user, detail: { why } }));
    const lock = await countFailure(s, p);
    if (lock !== null) {
      await s.audit(auditEvent(req, p, { type: 'locked', user: p.identity.user, detail: { until: lock } }));
      return sendPage(s, reply, 429, lockedPage(p.brand, lock, p.ctx.now));
    }
    return render(why);
  }

  app.get(`${prefix()}/challenge`, async (req: Req, reply) => {
    const p = await pageContext(s, req, reply, req.query.rd);
    if (!p) return reply;
    if (!(await guard(req, reply, p))) return reply;
    return renderChallenge(reply, p, 200, undefined, req.query.stepup === '1');
  });

  app.post(`${prefix()}/challenge`, async (req, reply) => {
    const p = await pageContext(s, req, reply, field(req.body, 'rd'));
    if (!p) return reply;
    if (!csrfOk(s, req, reply, p, field(req.body, 'csrf'))) return reply;
    if (!(await guard(req, reply, p))) return reply;
    const state = p.state!;
    const tf = s.runtime.live.config.twoFactor;
    const wrong = p.brand.t('challenge.wrong');
    let secret: string;
    try {
      secret = s.sealer.open(state.sealedSecret!);
    } catch (err) {
      req.log.error({ user: p.identity.user, err: (err as Error).message }, 'cannot decrypt TOTP secret (wrong encryption key?)');
      return sendError(s, req, reply, 'GH_ERR_INTERNAL');
    }
    const result = verifyCode(secret, field(req.body, 'code'), { now: p.ctx.now, ...tf.totp, window: 1 });
    if (!result.ok) return failed(req, reply, p, 'wrong code', () => renderChallenge(reply, p, 401, wrong));
    const fresh = await s.store.acceptTimeStep(p.identity.user, result.timeStep, state.generation, p.ctx.now);
    if (!fresh) return failed(req, reply, p, 'code already used (replay) or user reset', () => renderChallenge(reply, p, 401, wrong));
    await s.store.clearFailures('user:' + p.identity.user);
    const remember = field(req.body, 'remember') === '1';
    await s.audit(auditEvent(req, p, { type: 'verified', user: p.identity.user, detail: { method: 'totp', remember } }));
    return redirect(s, reply, p.rd, verifiedCookies(s, p, state.generation, remember));
  });

  app.get(`${prefix()}/recovery`, async (req: Req, reply) => {
    const p = await pageContext(s, req, reply, req.query.rd);
    if (!p) return reply;
    if (!(await guard(req, reply, p))) return reply;
    return sendPage(s, reply, 200, recoveryUsePage(p.brand, { user: p.identity.user, csrf: p.csrf, rd: p.rd }));
  });

  app.post(`${prefix()}/recovery`, async (req, reply) => {
    const p = await pageContext(s, req, reply, field(req.body, 'rd'));
    if (!p) return reply;
    if (!csrfOk(s, req, reply, p, field(req.body, 'csrf'))) return reply;
    if (!(await guard(req, reply, p))) return reply;
    const render = () => sendPage(s, reply, 401, recoveryUsePage(p.brand, { user: p.identity.user, csrf: p.csrf, rd: p.rd, error: p.brand.t('recoveryUse.wrong') }));
    const code = normaliseRecoveryCode(field(req.body, 'code'));
    if (!code) return failed(req, reply, p, 'malformed recovery code', render);
    const used = await s.store.useRecoveryCode(p.identity.user, hashRecoveryCode(code), p.ctx.now);
    if (!used) return failed(req, reply, p, 'unknown or used recovery code', render);
    await s.store.clearFailures('user:' + p.identity.user);
    const after = await s.store.getUser(p.identity.user);
    await s.audit(auditEvent(req, p, { type: 'recovery_used', user: p.identity.user, detail: { left: after?.recoveryCodesLeft ?? 0 } }));
    return redirect(s, reply, p.rd, verifiedCookies(s, p, p.state!.generation, false));
  });

  app.get(`${prefix()}/locked`, async (req: Req, reply) => {
    const p = await pageContext(s, req, reply, req.query.rd);
    if (!p) return reply;
    const lock = await activeLock(s, p);
    if (lock === null) return redirect(s, reply, `${prefix()}/challenge?rd=${encodeURIComponent(p.rd)}`);
    return sendPage(s, reply, 429, lockedPage(p.brand, lock, p.ctx.now));
  });
}
