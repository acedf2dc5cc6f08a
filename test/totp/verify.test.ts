import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codeAt, normaliseCode, verifyCode, type TotpAlgorithm } from '../../src/totp/index.js';

/** RFC 4648 base32 without padding, written out here so the vectors do not depend on the library under test. */
function base32(bytes: Uint8Array): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += A[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += A[(value << (5 - bits)) & 31];
  return out;
}

// RFC 6238 appendix B. The seeds are 20, 32 and 64 ASCII bytes: all within
// otplib's default guardrails (16..64 bytes), so no createGuardrails override is needed.
const SEEDS: Record<TotpAlgorithm, string> = {
  sha1: base32(Buffer.from('12345678901234567890')),
  sha256: base32(Buffer.from('12345678901234567890123456789012')),
  sha512: base32(Buffer.from('1234567890123456789012345678901234567890123456789012345678901234')),
};
const VECTORS: [number, string, TotpAlgorithm][] = [
  [59, '94287082', 'sha1'], [59, '46119246', 'sha256'], [59, '90693936', 'sha512'],
  [1111111109, '07081804', 'sha1'], [1111111109, '68084774', 'sha256'], [1111111109, '25091201', 'sha512'],
  [1111111111, '14050471', 'sha1'], [1111111111, '67062674', 'sha256'], [1111111111, '99943326', 'sha512'],
  [1234567890, '89005924', 'sha1'], [1234567890, '91819424', 'sha256'], [1234567890, '93441116', 'sha512'],
  [2000000000, '69279037', 'sha1'], [2000000000, '90698825', 'sha256'], [2000000000, '38618901', 'sha512'],
  [20000000000, '65353130', 'sha1'], [20000000000, '77737706', 'sha256'], [20000000000, '47863826', 'sha512'],
];

describe('RFC 6238 appendix B', () => {
  it.each(VECTORS)('should give the RFC code at T=%i (%s, %s)', (t, code, algorithm) => {
    const now = t * 1000;
    expect(codeAt(SEEDS[algorithm], { now, algorithm, digits: 8 })).toBe(code);
    expect(verifyCode(SEEDS[algorithm], code, { now, algorithm, digits: 8, window: 0 })).toEqual({
      ok: true,
      timeStep: Math.floor(t / 30),
    });
  });
});

describe('verifyCode window', () => {
  const secret = SEEDS.sha1;
  const now = 1_700_000_000_000;
  const step = Math.floor(now / 30_000);
  const at = (k: number) => codeAt(secret, { now: now + k * 30_000 });

  it('should accept the current step and one either side, and report which step matched', () => {
    for (const k of [-1, 0, 1]) expect(verifyCode(secret, at(k), { now })).toEqual({ ok: true, timeStep: step + k });
  });

  it('should refuse codes two steps away', () => {
    for (const k of [-2, 2]) {
      // A ±2 code could equal a ±1 code by chance (1 in a million); this secret and time are fixed, so not here.
      expect(verifyCode(secret, at(k), { now })).toEqual({ ok: false });
    }
  });

  it('should accept only the current step with window 0', () => {
    expect(verifyCode(secret, at(0), { now, window: 0 }).ok).toBe(true);
    expect(verifyCode(secret, at(1), { now, window: 0 }).ok).toBe(false);
  });

  it('should refuse a wrong code', () => {
    const wrong = String((Number(at(0)) + 1) % 1_000_000).padStart(6, '0');
    expect(verifyCode(secret, wrong, { now }).ok).toBe(false);
  });

  it('should honour 8 digits and sha256 as configured', () => {
    const code = codeAt(secret, { now, digits: 8, algorithm: 'sha256' });
    expect(code).toMatch(/^\d{8}$/);
    expect(verifyCode(secret, code, { now, digits: 8, algorithm: 'sha256' }).ok).toBe(true);
    expect(verifyCode(secret, code, { now, digits: 8 }).ok).toBe(false);
  });

  it('should throw on nonsense options rather than treat them as a wrong code', () => {
    expect(() => verifyCode(secret, '123456', { now, window: -1 })).toThrow(RangeError);
    expect(() => verifyCode(secret, '123456', { now, period: 0 })).toThrow(RangeError);
  });
});

describe('code normalisation', () => {
  const secret = SEEDS.sha1;
  // At T=1111111109 the 6-digit SHA-1 code has a leading zero: 081804.
  const now = 1111111109 * 1000;

  it('should keep leading zeros', () => {
    expect(codeAt(secret, { now })).toBe('081804');
    expect(verifyCode(secret, '081804', { now, window: 0 }).ok).toBe(true);
    expect(verifyCode(secret, '81804', { now, window: 0 }).ok).toBe(false);
  });

  it.each(['081 804', ' 081804 ', '081-804', '0 8 1 8 0 4', '081\u00a0804', '081\u2009804', '081\t804'])(
    'should accept spacing and hyphens: %j',
    (input) => {
      expect(verifyCode(secret, input, { now, window: 0 }).ok).toBe(true);
    },
  );

  it.each([
    ['Arabic-Indic digits', '\u0660\u0668\u0661\u0668\u0660\u0664'],
    ['full-width digits', '\uff10\uff18\uff11\uff18\uff10\uff14'],
    ['a letter', '08180a'],
    ['too long', '0818040'],
    ['a sign', '+081804'],
    ['empty', ''],
  ])('should refuse %s without throwing', (_name, input) => {
    expect(verifyCode(secret, input, { now }).ok).toBe(false);
  });

  it('should refuse a 1 MB input without throwing', () => {
    expect(verifyCode(secret, '0'.repeat(1 << 20), { now })).toEqual({ ok: false });
    expect(verifyCode(secret, `081804${' '.repeat(1 << 20)}`, { now })).toEqual({ ok: false });
  });

  it('should refuse non-strings without throwing', () => {
    for (const input of [undefined, null, 81804, ['081804'], { toString: () => '081804' }]) {
      expect(verifyCode(secret, input, { now }).ok).toBe(false);
    }
  });

  it('should never throw and only return ASCII digits of the right length, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100, unit: 'grapheme' }), (s) => {
        const n = normaliseCode(s, 6);
        expect(n === null || /^[0-9]{6}$/.test(n)).toBe(true);
        expect(() => verifyCode(secret, s, { now })).not.toThrow();
      }),
    );
  });
});
