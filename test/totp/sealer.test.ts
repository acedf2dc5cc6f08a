import { describe, expect, it } from 'vitest';
import { createSealer, generateKey, parseKey, SealError } from '../../src/totp/index.js';

describe('sealer', () => {
  const k1 = generateKey();
  const k2 = generateKey();
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('should round-trip, with a fresh IV every time', () => {
    const s = createSealer(k1);
    const a = s.seal(secret);
    const b = s.seal(secret);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(s.open(a)).toBe(secret);
    expect(s.open(b)).toBe(secret);
    expect(s.needsReseal(a)).toBe(false);
  });

  it('should open values sealed with a previous key and say they need resealing', () => {
    const old = createSealer(k1).seal(secret);
    const rotated = createSealer(k2, [k1]);
    expect(rotated.open(old)).toBe(secret);
    expect(rotated.needsReseal(old)).toBe(true);
    const fresh = rotated.seal(secret);
    expect(rotated.needsReseal(fresh)).toBe(false);
    expect(createSealer(k2).open(fresh)).toBe(secret);
  });

  it('should refuse a value sealed with a key it does not have', () => {
    const other = createSealer(k2).seal(secret);
    expect(() => createSealer(k1).open(other)).toThrow(SealError);
  });

  it('should detect tampering with any part', () => {
    const s = createSealer(k1, [k2]);
    const sealed = s.seal(secret);
    const parts = sealed.split('.');
    for (let i = 2; i < parts.length; i++) {
      const p = parts[i] as string;
      const flipped = (p[0] === 'A' ? 'B' : 'A') + p.slice(1);
      const tampered = [...parts.slice(0, i), flipped, ...parts.slice(i + 1)].join('.');
      expect(() => s.open(tampered)).toThrow(SealError);
    }
    // Relabelling with the other known key id is caught by the authenticated header.
    const otherId = createSealer(k2).keyId;
    expect(() => s.open([parts[0], otherId, ...parts.slice(2)].join('.'))).toThrow(SealError);
    for (const junk of ['', 'v1', 'v2.a.b.c.d', sealed + '.x']) expect(() => s.open(junk)).toThrow(SealError);
  });

  it('should accept keys as base64, base64url or hex, and refuse other lengths without echoing them', () => {
    const raw = Buffer.alloc(32, 7);
    const hex = raw.toString('hex');
    expect(parseKey(hex)).toEqual(raw);
    expect(parseKey(raw.toString('base64'))).toEqual(raw);
    expect(parseKey(raw.toString('base64url'))).toEqual(raw);
    const sealed = createSealer(hex).seal('x');
    expect(createSealer(raw.toString('base64')).open(sealed)).toBe('x');
    for (const bad of ['', 'short', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('hex')]) {
      try {
        parseKey(bad);
        expect.unreachable();
      } catch (e) {
        expect((e as Error).message).not.toContain(bad || '\u0000');
      }
    }
  });

  it('should generate distinct 32-byte keys', () => {
    expect(parseKey(generateKey())).toHaveLength(32);
    expect(generateKey()).not.toBe(generateKey());
  });
});
