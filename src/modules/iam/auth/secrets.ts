import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

const KEY_PREFIX_LENGTH = 8;
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

export interface IssuedApiKey {
  key: string;
  hash: string;
  prefix: string;
}

/** A new API key: shown once to its owner, stored only as its hash and a short prefix. */
export function issueApiKey(key = `bk_${randomBytes(32).toString('base64url')}`): IssuedApiKey {
  return { key, hash: hashApiKey(key), prefix: key.slice(0, KEY_PREFIX_LENGTH) };
}

export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** scrypt with a random salt, encoded with its parameters so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, N, r, p, salt, expected] = encoded.split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const wanted = Buffer.from(expected, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), wanted.length, {
    N: Number(N),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, wanted);
}
