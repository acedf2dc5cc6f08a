/**
 * Provisioning: the otpauth:// URI (Google's Key URI Format) and its QR code.
 */
import { generateURI } from 'otplib';
import { totpParams, type TotpParams } from './params.js';

export interface OtpauthInput extends Partial<TotpParams> {
  /** Shown as the account's title in the app, e.g. the intranet's name. */
  issuer: string;
  /** The user name. */
  account: string;
  /** Base32 secret from newSecret(). */
  secret: string;
}

/**
 * Key URI Format: "Neither issuer nor account name may themselves contain a
 * colon" (and percent-encoding it does not help: apps decode before splitting
 * the label). A Windows-style "DOMAIN:user" would otherwise show up as issuer
 * "DOMAIN", so colons become hyphens.
 */
function labelPart(s: string): string {
  return s.replace(/:/g, '-').trim();
}

/** otpauth://totp/Issuer:account?secret=…&issuer=…; parameters equal to the defaults are left out, as apps expect. */
export function otpauthUri(input: OtpauthInput): string {
  const p = totpParams(input);
  const issuer = labelPart(input.issuer);
  const account = labelPart(input.account);
  if (account === '') throw new RangeError('totp: account name must not be empty');
  return generateURI({
    issuer,
    label: account,
    secret: input.secret.replace(/[\s=]/g, '').toUpperCase(),
    algorithm: p.algorithm,
    digits: p.digits,
    period: p.period,
  });
}

export interface QrOptions {
  /** Rendered width and height in CSS pixels; the SVG scales cleanly through its viewBox. */
  size?: number;
}

/**
 * The URI as an inline SVG (no external assets, so it works under a strict CSP
 * and offline). Error correction M survives screen glare and moiré while
 * keeping modules large; the 4-module quiet zone is what the QR spec requires
 * for phone cameras to find the code. 240 px is large enough to scan from a
 * laptop screen at arm's length and still fits a narrow phone layout.
 */
export async function qrSvg(uri: string, opts: QrOptions = {}): Promise<string> {
  const size = opts.size ?? 240;
  // Loaded on the first enrolment, not at start: a gateway that is only
  // forwarding should not keep the QR encoder resident (docs/performance.md, RSS).
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(uri, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 4,
    width: size,
    color: { dark: '#000000ff', light: '#ffffffff' },
  });
  // role/focusable: announced as one image by screen readers, not a tab stop in old Edge/IE.
  return svg.trim().replace('<svg ', '<svg role="img" focusable="false" ');
}
