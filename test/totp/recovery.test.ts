import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateRecoveryCodes, hashRecoveryCode, normaliseRecoveryCode } from '../../src/totp/index.js';

describe('recovery codes', () => {
  it('should make 10 distinct codes like abcd-efgh-jk from an unambiguous alphabet', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{2}$/);
  });

  it('should use every symbol over many codes (no stuck bits)', () => {
    const seen = new Set(generateRecoveryCodes(200).join('').replace(/-/g, ''));
    expect(seen.size).toBe(32);
  });

  it('should forgive case, spaces, hyphens and o/i/l look-alikes', () => {
    expect(normaliseRecoveryCode('AB0D-EF1H-JK')).toBe('ab0def1hjk');
    expect(normaliseRecoveryCode(' abod efih jk ')).toBe('ab0def1hjk');
    expect(normaliseRecoveryCode('ab0deflhjk')).toBe('ab0def1hjk');
  });

  it.each(['', 'abcd-efgh-j', 'abcd-efgh-jkm', 'abcd-efgh-ju', 'abcd-efgh-j\u00e9', 'x'.repeat(1 << 20)])(
    'should refuse %j without throwing',
    (input) => {
      expect(normaliseRecoveryCode(input)).toBeNull();
    },
  );

  it('should hash the normalised code with SHA-256, whatever way it was typed', () => {
    const [code] = generateRecoveryCodes(1) as [string];
    const h = hashRecoveryCode(code);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(code.toUpperCase().replace(/-/g, ' '))).toBe(h);
    expect(hashRecoveryCode('ABOD EFIH JK')).toBe(createHash('sha256').update('ab0def1hjk').digest('hex'));
  });

  it('should throw when asked to hash something that is not a code', () => {
    expect(() => hashRecoveryCode('not a code')).toThrow(TypeError);
  });
});
