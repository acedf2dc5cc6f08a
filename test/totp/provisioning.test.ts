import { describe, expect, it } from 'vitest';
import { formatManualKey, newSecret, otpauthUri, qrSvg } from '../../src/totp/index.js';

describe('newSecret', () => {
  it('should make 160-bit base32 secrets that differ every time', () => {
    const a = newSecret();
    const b = newSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/); // 32 × 5 bits = 160 bits
    expect(a).not.toBe(b);
  });
});

describe('formatManualKey', () => {
  it('should group the key in fours, upper case, without padding', () => {
    expect(formatManualKey('jbswy3dpehpk3pxpjbswy3dpehpk3pxp')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(formatManualKey('JBSWY3DPEH======')).toBe('JBSW Y3DP EH');
  });
});

describe('otpauthUri', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('should produce the Key URI Format with the defaults left implicit', () => {
    const uri = otpauthUri({ issuer: 'Example Intranet', account: 'alice', secret });
    expect(uri).toBe(`otpauth://totp/Example%20Intranet:alice?secret=${secret}&issuer=Example%20Intranet`);
  });

  it('should include non-default parameters', () => {
    const uri = new URL(otpauthUri({ issuer: 'X', account: 'bob', secret, algorithm: 'sha256', digits: 8, period: 60 }));
    expect(uri.searchParams.get('algorithm')).toBe('SHA256');
    expect(uri.searchParams.get('digits')).toBe('8');
    expect(uri.searchParams.get('period')).toBe('60');
  });

  it('should percent-encode the account and keep colons out of issuer and account', () => {
    const uri = otpauthUri({ issuer: 'Corp: HQ', account: 'DOMAIN:carol@example.com', secret });
    const label = decodeURIComponent(uri.slice('otpauth://totp/'.length, uri.indexOf('?')));
    expect(label.split(':')).toEqual(['Corp- HQ', 'DOMAIN-carol@example.com']);
    expect(uri).toContain('carol%40example.com');
  });
});

describe('qrSvg', () => {
  it('should return a self-contained inline SVG sized for a phone', async () => {
    const svg = await qrSvg(otpauthUri({ issuer: 'Example', account: 'alice', secret: newSecret() }));
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg).toContain('width="240"');
    expect(svg).toContain('viewBox=');
    expect(svg).not.toMatch(/<image|href=|<script|url\(/i);
  });
});
