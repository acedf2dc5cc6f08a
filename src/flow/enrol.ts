/**
 * Enrolment: a new secret shown as a QR code and a manual key, confirmed by a
 * first code, then ten recovery codes shown once. The pending secret travels
 * sealed (AES-GCM) in a signed cookie, so any replica can finish what another
 * started and nothing half-done sits in the store.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError, sendPage } from '../gate/respond.js';
import type { Services } from '../gate/services.js';
import { enrolPage, messagePage, recoveryCodesPage } from '../pages/index.js';
import { decide } from '../policy/index.js';
import type { Decision } from '../policy/types.js';
import { COOKIE } from '../session/index.js';
import { readGatehouseCookies } from '../session/parse.js';
import {
  formatManualKey,
  generateRecoveryCodes,
  hashRecoveryCode,
  newSecret,
  otpauthUri,
  qrSvg,
  verifyCode,
} from '../totp/index.js';
import { auditEvent, csrfOk, field, pageContext, redirect, type PageContext } from './context.js';
import { verifiedCookies } from './issue.js';

type Req = FastifyRequest<{ Querystring: Record<string, string | undefined> }>;

/** A pending enrolment lives this long: long enough to install an app, short enough to limit a stolen cookie. */
const PENDING_MS = 30 * 60_000;

export function registerEnrol(app: FastifyInstance, s: Services): void {
  const prefix = () => s.runtime.live.config.server.prefix;

  /** What the policy says about the page the user was heading to: skippable? until when? */
  function enrolDecision(p: PageContext): Decision {
    const rdPath = p.rd.split('?')[0] ?? '/';
    return decide(s.runtime.live.policy, {
      identity: p.identity,
      clientIp: p.ctx.clientIp,
      method: 'GET',
      path: rdPath,
      claims: { session: null, device: null, skip: null },
      state: p.state,
      now: p.ctx.now,
    });
  }

  function enrolmentAllowed(p: PageContext): boolean {
    const tf = s.runtime.live.config.twoFactor;
    if (tf.enrolment.allowFrom !== 'trustedIps') return true;
    return s.runtime.live.policy.trustedIps.match(p.ctx.clientIp) !== null;
  }

  async function render(req: FastifyRequest, reply: FastifyReply, p: PageContext, sealedSecret: string, status: number, error?: string): Promise<FastifyReply> {
    const { config } = s.runtime.live;
    const secret = s.sealer.open(sealedSecret);
    const uri = otpauthUri({ issuer: config.twoFactor.issuer, account: p.identity.user, secret, ...config.twoFactor.totp });
    const d = enrolDecision(p);
    const voluntary = d.action !== 'enrol';
    const graceEnded = d.action === 'enrol' && !d.skippable && !config.twoFactor.enforce && config.twoFactor.skip.gracePeriodMs !== null;
    const firstPrompt = p.state?.firstPromptedAt ?? p.ctx.now;
    return sendPage(s, reply, status, enrolPage(p.brand, {
      user: p.identity.user,
      qrSvg: await qrSvg(uri),
      otpauthUri: uri,
      manualKey: formatManualKey(secret),
      csrf: p.csrf,
      rd: p.rd,
      skippable: voluntary || !!d.skippable,
      skipDeadline: voluntary ? null : (d.skipDeadline ?? null),
      graceEndedAt: graceEnded ? firstPrompt + (config.twoFactor.skip.gracePeriodMs ?? 0) : null,
      ...(error ? { error } : {}),
    }));
  }

  app.get(`${prefix()}/enrol`, async (req: Req, reply) => {
    const p = await pageContext(s, req, reply, req.query.rd);
    if (!p) return reply;
    if (p.state?.sealedSecret) {
      return sendPage(s, reply, 200, messagePage(p.brand, p.brand.t('enrol.title'), p.brand.t('enrol.already'), { href: p.rd, label: p.brand.t('common.continue') }));
    }
    if (!enrolmentAllowed(p)) {
      return sendPage(s, reply, 403, messagePage(p.brand, p.brand.t('enrol.title'), p.brand.t('enrol.notAllowed', { contact: p.brand.supportContact || p.brand.t('common.itSupport') })));
    }
    // The grace period starts at the first prompt, and must survive restarts.
    if (!p.state?.firstPromptedAt) {
      p.state = await s.store.touchUser(p.identity.user, { at: p.ctx.now, ip: p.ctx.clientIp, groups: p.identity.groups, prompted: true });
    }
    // Reloading the page keeps the same secret: the user may already have scanned it.
    const pending = s.cookies.enrol(readGatehouseCookies(req.headers.cookie).enrol);
    let sealed: string;
    if (pending && pending.user === p.identity.user && pending.credential === p.identity.credential && p.ctx.now - pending.createdAt < PENDING_MS) {
      sealed = pending.sealedSecret;
    } else {
      sealed = s.sealer.seal(newSecret());
      const cookie = s.cookies.signEnrol({ user: p.identity.user, credential: p.identity.credential, sealedSecret: sealed, createdAt: p.ctx.now });
      reply.header('set-cookie', s.cookies.serialize(COOKIE.enrol, cookie, PENDING_MS));
    }
    return render(req, reply, p, sealed, 200);
  });

  app.post(`${prefix()}/enrol`, async (req, reply) => {
    const p = await pageContext(s, req, reply, field(req.body, 'rd'));
    if (!p) return reply;
    if (!csrfOk(s, req, reply, p, field(req.body, 'csrf'))) return reply;
    if (p.state?.sealedSecret) return redirect(s, reply, p.rd);
    if (!enrolmentAllowed(p)) return sendError(s, req, reply, 'GH_ERR_FORBIDDEN');
    const pending = s.cookies.enrol(readGatehouseCookies(req.headers.cookie).enrol);
    if (!pending || pending.user !== p.identity.user || pending.credential !== p.identity.credential || p.ctx.now - pending.createdAt >= PENDING_MS) {
      // Expired or from another login: start again with a fresh secret.
      return redirect(s, reply, `${prefix()}/enrol?rd=${encodeURIComponent(p.rd)}`);
    }
    const tf = s.runtime.live.config.twoFactor;
    const secret = s.sealer.open(pending.sealedSecret);
    const result = verifyCode(secret, field(req.body, 'code'), { now: p.ctx.now, ...tf.totp, window: 1 });
    if (!result.ok) {
      req.log.info({ user: p.identity.user }, 'enrolment code refused');
      return render(req, reply, p, pending.sealedSecret, 401, p.brand.t('enrol.wrongCode'));
    }
    const codes = generateRecoveryCodes();
    const state = await s.store.enrol(p.identity.user, {
      sealedSecret: pending.sealedSecret,
      at: p.ctx.now,
      timeStep: result.timeStep,
      recoveryHashes: codes.map(hashRecoveryCode),
    });
    await s.audit(auditEvent(req, p, { type: 'enrolled', user: p.identity.user }));
    reply.header('set-cookie', [...verifiedCookies(s, p, state.generation, false), s.cookies.clear(COOKIE.enrol)]);
    return sendPage(s, reply, 200, recoveryCodesPage(p.brand, { user: p.identity.user, codes, csrf: p.csrf, rd: p.rd }));
  });

  app.post(`${prefix()}/skip`, async (req, reply) => {
    const p = await pageContext(s, req, reply, field(req.body, 'rd'));
    if (!p) return reply;
    if (!csrfOk(s, req, reply, p, field(req.body, 'csrf'))) return reply;
    // The form is not trusted to say skipping is allowed: the policy is asked again.
    const d = enrolDecision(p);
    if (d.action === 'enrol' && !d.skippable) return redirect(s, reply, `${prefix()}/enrol?rd=${encodeURIComponent(p.rd)}`);
    await s.store.setSkipped(p.identity.user, p.ctx.now);
    await s.audit(auditEvent(req, p, { type: 'skipped', user: p.identity.user, detail: { until: d.skipDeadline ?? null } }));
    // "Skip for now" lasts until the next intranet login: bound to this credential.
    const skip = s.cookies.signSkip({ user: p.identity.user, credential: p.identity.credential, at: p.ctx.now });
    return redirect(s, reply, p.rd, [s.cookies.serialize(COOKIE.skip, skip, null)]);
  });

  app.post(`${prefix()}/recovery-codes.txt`, async (req, reply) => {
    const p = await pageContext(s, req, reply, undefined);
    if (!p) return reply;
    if (!csrfOk(s, req, reply, p, field(req.body, 'csrf'))) return reply;
    const raw = (req.body as Record<string, unknown> | undefined)?.codes;
    const codes = (Array.isArray(raw) ? raw : [raw]).filter((c): c is string => typeof c === 'string' && /^[a-z0-9-]{1,40}$/i.test(c)).slice(0, 20);
    const t = p.brand.t;
    const text = `${t('recovery.fileHeader', { title: p.brand.title, user: p.identity.user })}\n${t('recovery.fileNote')}\n\n${codes.join('\n')}\n`;
    return reply
      .headers({ 'content-disposition': 'attachment; filename="recovery-codes.txt"', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      .type('text/plain; charset=utf-8')
      .send(text);
  });
}
