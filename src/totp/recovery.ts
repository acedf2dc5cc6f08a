/**
 * Single-use recovery codes for a user who lost their phone: shown once at
 * enrolment, stored only as hashes, each consumed by store.useRecoveryCode.
 */
import { createHash, randomBytes } from 'node:crypto';

/**
 * Crockford's base32 alphabet in lower case: no i, l, o or u, so nothing on
 * the printed sheet can be misread, and 32 symbols make each random byte map
 * to a symbol without modulo bias (256 = 8 × 32).
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_LENGTH = 10; // 10 × 5 bits = 50 bits per code
export const RECOVERY_CODE_COUNT = 10;
const MAX_INPUT = 64;

/** `count` distinct codes formatted "abcd-efgh-jk", for showing to the user once. */
export function generateRecoveryCodes(count: number = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    const bytes = randomBytes(CODE_LENGTH);
    let s = '';
    for (const b of bytes) s += ALPHABET[b & 31];
    codes.add(formatRecoveryCode(s));
  }
  return [...codes];
}

function formatRecoveryCode(compact: string): string {
  return `${compact.slice(0, 4)}-${compact.slice(4, 8)}-${compact.slice(8)}`;
}

/**
 * The canonical form (10 symbols, no separators) of what a user typed, or null
 * when it cannot be a recovery code. Case, spaces and hyphens are forgiven, and
 * o / i / l are read as 0 / 1 / 1 as Crockford intends, so a code copied from
 * paper by hand still works.
 */
export function normaliseRecoveryCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT) return null;
  const s = input
    .replace(/[\s\-\u2010\u2011]/g, '')
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
  return s.length === CODE_LENGTH && /^[0-9a-hjkmnp-tv-z]+$/.test(s) ? s : null;
}

/**
 * Hex SHA-256 of the normalised code; throws on anything that is not a code
 * (call normaliseRecoveryCode on user input first and refuse a null).
 *
 * A fast, unsalted hash is deliberate: each code carries 50 random bits, so
 * guessing online is hopeless under the lockout, and the stored value must be
 * a deterministic lookup key for the store's atomic "delete if present"
 * (SQL DELETE / Redis SREM), which a per-code salt or slow KDF would rule out.
 * Password-style stretching protects low-entropy secrets; these are not.
 */
export function hashRecoveryCode(code: string): string {
  const n = normaliseRecoveryCode(code);
  if (n === null) throw new TypeError('totp: not a recovery code');
  return createHash('sha256').update(n, 'ascii').digest('hex');
}
