/**
 * New TOTP secrets and the way they are shown to people who cannot scan a QR code.
 */
import { generateSecret } from 'otplib';

/** 20 random bytes = 160 bits: RFC 4226 section 4's recommended length and what every app accepts. */
const SECRET_BYTES = 20;

/** A fresh secret, base32 without padding (32 characters), as otpauth URIs expect. */
export function newSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/**
 * The secret for typing by hand: upper case, padding dropped, groups of four
 * ("JBSW Y3DP EHPK 3PXP"). Apps ignore spaces and case, and groups of four are
 * what users can hold in their head while switching between screens.
 */
export function formatManualKey(secret: string): string {
  const compact = secret.replace(/[\s=-]/g, '').toUpperCase();
  return (compact.match(/.{1,4}/g) ?? []).join(' ');
}
