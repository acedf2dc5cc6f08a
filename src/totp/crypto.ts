/**
 * Encryption of TOTP secrets at rest (AES-256-GCM) with key rotation.
 *
 * Sealed format: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The
 * key id is derived from the key, so open() picks the right key without trial
 * decryption, and needsReseal() can tell a value sealed under a retired key.
 * The header is bound to the ciphertext as additional authenticated data, so
 * relabelling a value with another key id is detected like any other tamper.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12; // 96 bits: GCM's native nonce size (NIST SP 800-38D 8.2.2); random is safe far beyond our volumes
const TAG_BYTES = 16;

/** Raised for malformed, tampered or unknown-key values. Never carries key or plaintext material. */
export class SealError extends Error {
  readonly code = 'GH_ERR_SEAL';
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

export interface Sealer {
  /** Id of the key new values are sealed with. */
  readonly keyId: string;
  seal(plaintext: string): string;
  /** Throws SealError when the value is malformed, tampered with, or sealed with a key we no longer have. */
  open(sealed: string): string;
  /** True when the value is not sealed with the current key: open it and seal it again. */
  needsReseal(sealed: string): boolean;
}

/**
 * Parses a 32-byte key written as 64 hex digits or base64 / base64url. Hex is
 * tried first because 64 hex digits are also valid base64 (of 48 bytes).
 * Error messages never echo the key.
 */
export function parseKey(text: string): Buffer {
  const s = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s)) key = Buffer.from(s, 'base64');
  if (key === null || key.length !== 32) {
    throw new RangeError('encryption key must be 32 bytes written as base64 (44 characters) or hex (64 characters)');
  }
  return key;
}

/** A new random key in the base64 form parseKey accepts. */
export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

/** 8 bytes of a domain-separated hash: identifies the key without revealing anything usable about it. */
function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('gatehouse/sealer-key-id/v1\0').update(key).digest().subarray(0, 8).toString('hex');
}

const b64u = (b: Buffer): string => b.toString('base64url');

export function createSealer(currentKey: string, previousKeys: readonly string[] = []): Sealer {
  const current = parseKey(currentKey);
  const currentId = keyIdOf(current);
  const keys = new Map<string, Buffer>([[currentId, current]]);
  for (const k of previousKeys) {
    const key = parseKey(k);
    const id = keyIdOf(key);
    if (!keys.has(id)) keys.set(id, key);
  }

  return {
    keyId: currentId,

    seal(plaintext: string): string {
      const iv = randomBytes(IV_BYTES);
      const header = `${VERSION}.${currentId}`;
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(header, 'ascii'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${header}.${b64u(iv)}.${b64u(ct)}.${b64u(cipher.getAuthTag())}`;
    },

    open(sealed: string): string {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      if (parts.length !== 5 || parts[0] !== VERSION) throw new SealError('sealed value is malformed');
      const [version, id, ivText, ctText, tagText] = parts as [string, string, string, string, string];
      const key = keys.get(id);
      if (key === undefined) throw new SealError(`sealed value uses unknown key ${id}: add that key to the previous encryption keys`);
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError('sealed value is malformed');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(`${version}.${id}`, 'ascii'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SealError('sealed value failed authentication (tampered with or corrupt)');
      }
    },

    needsReseal(sealed: string): boolean {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      return !(parts.length === 5 && parts[0] === VERSION && parts[1] === currentId);
    },
  };
}
