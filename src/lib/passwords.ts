import argon2 from 'argon2';

// argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): ~50 ms here. The PHC string
// it stores names the parameters, so they can be raised later and old hashes still verify.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password.normalize('NFKC'), OPTIONS);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  try {
    return await argon2.verify(stored, password.normalize('NFKC'));
  } catch {
    return false; // not a hash we can read: no password matches it
  }
}

// Verified against when the email is unknown, so that a miss costs what a wrong password costs.
let decoy: Promise<string> | undefined;
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword('decoy password that no one has');
  await verifyPassword(password, await decoy);
  return false;
}
