/**
 * Checking a code typed by a user. Returns the matched time-step instead of a
 * boolean because "valid" is only half the answer: the caller must still win
 * store.acceptTimeStep(user, timeStep, generation) so no code works twice.
 */
import { timingSafeEqual } from 'node:crypto';
import { generateSync } from 'otplib';
import { totpParams, type TotpParams } from './params.js';

export type VerifyResult = { ok: true; timeStep: number } | { ok: false };

export interface VerifyOptions extends Partial<TotpParams> {
  /** Epoch milliseconds. */
  now: number;
  /**
   * Steps accepted either side of the current one. 1 (the default, RFC 6238
   * section 5.2's recommendation) tolerates ±30 s of phone clock drift and the
   * time spent typing; more widens the guessing window for little gain.
   */
  window?: number;
}

/** Anything longer is not a code; refusing before any regex work keeps a 1 MB paste cheap. */
const MAX_INPUT = 64;
/** Apps display "123 456" (sometimes with a no-break or thin space); people type "123-456". */
const SEPARATORS = /[\s\-\u2010\u2011]/g;

/**
 * The code as `digits` ASCII digits, or null. Leading zeros are significant.
 * Unicode digits (Arabic-Indic, full-width…) are refused, not folded: no
 * authenticator displays them, and folding would give a second spelling to
 * every code for no user benefit.
 */
export function normaliseCode(input: unknown, digits: number): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT) return null;
  const s = input.replace(SEPARATORS, '');
  if (s.length !== digits || !/^[0-9]+$/.test(s)) return null;
  return s;
}

/** The code an authenticator shows at `now` (epoch ms): for demos, tests and the CLI. */
export function codeAt(secret: string, opts: { now: number } & Partial<TotpParams>): string {
  const p = totpParams(opts);
  return codeForStep(secret, Math.floor(opts.now / 1000 / p.period), p);
}

function codeForStep(secret: string, step: number, p: TotpParams): string {
  // HOTP with counter = time-step is TOTP by definition (RFC 6238 section 4.2);
  // passing the step's epoch keeps otplib's TOTP validation of the period.
  return generateSync({ secret, algorithm: p.algorithm, digits: p.digits, period: p.period, epoch: step * p.period });
}

/**
 * Verifies `code` against the steps now-window … now+window.
 *
 * Never throws on user input (wrong type, length, characters); throws only on
 * invalid options or an unusable secret, which are bugs or corrupt data and
 * must not be mistaken for a wrong code.
 */
export function verifyCode(secret: string, code: unknown, opts: VerifyOptions): VerifyResult {
  const p = totpParams(opts);
  const window = opts.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > 10) {
    throw new RangeError(`totp: window must be a whole number from 0 to 10 but it is '${String(window)}'`);
  }
  if (!Number.isFinite(opts.now) || opts.now < 0) throw new RangeError('totp: now must be epoch milliseconds');

  const token = normaliseCode(code, p.digits);
  if (token === null) return { ok: false };
  const given = Buffer.from(token, 'ascii');
  const current = Math.floor(opts.now / 1000 / p.period);

  // Every step in the window is computed and compared, with no early exit, so
  // the response time does not tell an attacker which step (if any) matched.
  let matched = -1;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(codeForStep(secret, step, p), 'ascii');
    const equal = timingSafeEqual(expected, given);
    // Keep the highest matching step: if one code happens to repeat inside the
    // window, recording the later step stops the same digits being replayed
    // once the window has moved on.
    matched = equal ? step : matched;
  }
  return matched < 0 ? { ok: false } : { ok: true, timeStep: matched };
}
