import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt (RFC 7914), a memory-hard KDF built into Node: no native addon to install.
 * Stored as scrypt$N$r$p$salt$hash so parameters can be raised later without a migration.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: n, r, p, maxmem: 128 * n * r * 2 };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, KEYLEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const expected = Buffer.from(parts[5]!, 'base64');
  const actual = await scrypt(password, Buffer.from(parts[4]!, 'base64'), n, r, p);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Burns the same time as a real check when the user does not exist (no user enumeration). */
let dummy: string | null = null;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= await hashPassword('not-a-real-password');
  await verifyPassword(password, dummy);
  return false;
}
