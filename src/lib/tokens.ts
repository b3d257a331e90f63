import { createHash, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

// Token format: "qlhq_" + 40 random base62 characters + a 6-character base62 CRC32 of everything
// before it. The checksum lets a typo or a scanner hit be refused without a database read.
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const TOKEN_PREFIX = 'qlhq_';
const RANDOM_LENGTH = 40; // 40 × log2(62) ≈ 238 bits
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32, so any CRC32 fits
const DISPLAY_PREFIX_LENGTH = 12;
const ISSUED = /^qlhq_[0-9A-Za-z]{46,}$/;
// Tokens of the original service: qlhq_ + 96 hex characters, imported by digest, no checksum.
const LEGACY = /^qlhq_[0-9a-f]{96}$/;

function base62(n: number, width: number): string {
  let s = '';
  while (n > 0) {
    s = ALPHABET[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(width, '0');
}

function checksum(body: string): string {
  return base62(crc32(body), CHECKSUM_LENGTH);
}

export function generateToken(): { token: string; digest: string; prefix: string } {
  let body = TOKEN_PREFIX;
  for (let i = 0; i < RANDOM_LENGTH; i++) body += ALPHABET[randomInt(62)];
  const token = body + checksum(body);
  return { token, digest: digestToken(token), prefix: displayPrefix(token) };
}

export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function displayPrefix(token: string): string {
  return token.slice(0, DISPLAY_PREFIX_LENGTH);
}

/** True when the token could be one of ours or an imported legacy one; false means no lookup is needed. */
export function isPlausibleToken(token: string): boolean {
  if (LEGACY.test(token)) return true;
  if (!ISSUED.test(token)) return false;
  const body = token.slice(0, -CHECKSUM_LENGTH);
  return checksum(body) === token.slice(-CHECKSUM_LENGTH);
}
