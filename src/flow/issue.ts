/** Issuing the cookies that follow a successful second factor, and the lockout bookkeeping around codes. */
import type { Services } from '../gate/services.js';
import { COOKIE } from '../session/index.js';
import type { PageContext } from './context.js';

const DAY_MS = 86_400_000;

/** Set-Cookie values for a fresh 2FA session (and a remembered device when asked and allowed). */
export function verifiedCookies(s: Services, p: PageContext, generation: number, remember: boolean): string[] {
  const tf = s.runtime.live.config.twoFactor;
  const now = p.ctx.now;
  const session = s.cookies.signSession({ user: p.identity.user, generation, credential: p.identity.credential, verifiedAt: now, activeAt: now });
  const out = [s.cookies.serialize(COOKIE.session, session, tf.session.maxAgeMs)];
  if (remember && tf.rememberDevices.enabled) {
    const ttl = tf.rememberDevices.days * DAY_MS;
    const device = s.cookies.signDevice({ user: p.identity.user, generation, expiresAt: now + ttl });
    out.push(s.cookies.serialize(COOKIE.device, device, ttl));
  }
  return out;
}

/** The lock in force for this user or this client IP, if any. */
export async function activeLock(s: Services, p: PageContext): Promise<number | null> {
  const [byUser, byIp] = await Promise.all([
    s.store.lockedUntil('user:' + p.identity.user, p.ctx.now),
    p.ctx.clientIp ? s.store.lockedUntil('ip:' + p.ctx.clientIp, p.ctx.now) : Promise.resolve(null),
  ]);
  if (byUser === null) return byIp;
  if (byIp === null) return byUser;
  return Math.max(byUser, byIp);
}

/** Counts a wrong code against the user and the client IP; returns the lock it caused, if any. */
export async function countFailure(s: Services, p: PageContext): Promise<number | null> {
  const l = s.runtime.live.config.twoFactor.lockout;
  const opts = { windowMs: l.windowMs, maxFailures: l.maxFailures, durationMs: l.durationMs };
  const [u, i] = await Promise.all([
    s.store.recordFailure('user:' + p.identity.user, p.ctx.now, opts),
    p.ctx.clientIp ? s.store.recordFailure('ip:' + p.ctx.clientIp, p.ctx.now, opts) : Promise.resolve({ count: 0, lockedUntil: null }),
  ]);
  return u.lockedUntil ?? i.lockedUntil;
}
