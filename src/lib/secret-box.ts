import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from '../config.js';

// B7: secrets at rest (webhook secrets, stored idempotent answers) are sealed with AES-256-GCM
// under a key from configuration, so a copy of the database alone reveals none of them.

export type SecretBox = {
  /** `context` (e.g. the row id) is bound to the ciphertext, so a sealed value cannot be moved to another row. */
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
};

const VERSION = 'v1';
const KEY_FILE = 'encryption.key';

/** The key file of the embedded default: beside `pglite/`, not inside it, so a copy of the database lacks it. */
export const encryptionKeyPath = (dataDir: string) => path.join(dataDir, KEY_FILE);

export function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('Invalid configuration: ENCRYPTION_KEY must be 32 bytes as base64 or hex (openssl rand -base64 32)');
  }
  return key;
}

/**
 * The configured key; on the embedded default without one, a key generated once into DATA_DIR (mode
 * 0600). On PostgreSQL the key is required: a generated file would differ between hosts.
 */
export function loadSecretBox(config: Config, engine: 'pglite' | 'postgres'): SecretBox {
  if (config.encryptionKey) return createSecretBox(parseKey(config.encryptionKey));
  if (engine === 'postgres') {
    throw new ConfigError('ENCRYPTION_KEY is required on PostgreSQL: set it to 32 random bytes, base64 (openssl rand -base64 32)');
  }
  return createSecretBox(readOrCreateKeyFile(config.dataDir));
}

function readOrCreateKeyFile(dataDir: string): Buffer {
  const file = encryptionKeyPath(dataDir);
  try {
    return parseKey(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // `wx`: two processes starting together write it once; the second reads the first one's key.
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseKey(fs.readFileSync(file, 'utf8'));
}

export function createSecretBox(key: Buffer): SecretBox {
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed, context) {
      const [version, payload] = sealed.split(':');
      if (version !== VERSION || !payload) throw new Error('sealed secret of an unknown format');
      const raw = Buffer.from(payload, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
