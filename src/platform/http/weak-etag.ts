import { createHash, hash } from 'node:crypto';

// One-shot hashing (Node.js 20.12+) hashes a string without copying it into a Buffer first.
const sha1Base64 = (body: string | Buffer): string =>
  typeof hash === 'function' ? hash('sha1', body, 'base64') : createHash('sha1').update(body).digest('base64');

/**
 * The weak ETag Express gives an answer (`etag(body, { weak: true })`: length and SHA-1 of the
 * UTF-8 bytes), computed without the intermediate Buffer Express makes of a string body. Both
 * adapters use it, so an answer carries the same ETag on either.
 */
export function weakEtag(body: string | Buffer): string {
  const length = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  return `W/"${length.toString(16)}-${sha1Base64(body).substring(0, 27)}"`;
}
