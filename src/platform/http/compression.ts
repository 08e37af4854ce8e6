import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { appendHeaderToken } from './cors';

/** Answers smaller than this go as they are: compressing them saves little and costs the hot path. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

const COMPRESSIBLE = /json|text\/|javascript|css|xml|svg/i;
// Brotli's default (11) takes seconds on the Swagger UI bundle; 5 compresses nearly as well, fast.
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };

type Encoding = 'br' | 'gzip';

/** br if the caller accepts it, else gzip, else nothing (a `q=0` refuses; `*` accepts both). */
export function negotiateEncoding(accepted: string): Encoding | undefined {
  let star = false;
  const accepts = new Set<string>();
  for (const part of accepted.split(',')) {
    const [name, ...parameters] = part.split(';');
    const q = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/i.exec(parameter)?.[1]).find((value) => value !== undefined);
    if (q !== undefined && !(Number(q) > 0)) continue;
    const token = name.trim().toLowerCase();
    if (token === '*') star = true;
    else accepts.add(token);
  }
  if (accepts.has('br') || star) return 'br';
  return accepts.has('gzip') ? 'gzip' : undefined;
}

const compress = (encoding: Encoding, body: Buffer, done: (error: Error | null, result: Buffer) => void) =>
  encoding === 'br' ? brotliCompress(body, BROTLI, done) : gzip(body, done);

/**
 * Compresses the answer to `request` with gzip or br (br preferred) when the caller accepts one and
 * the answer is a text of at least 1 KB, whichever adapter or static file server writes it: the
 * response's writes are held until its end, then sent compressed or as they were. A request that
 * accepts no encoding, a HEAD, or an answer known by its first write to be small or not text passes untouched.
 */
export function compressLargeAnswers(request: IncomingMessage, response: ServerResponse): void {
  const accepted = request.headers['accept-encoding'];
  if (accepted === undefined || request.method === 'HEAD') return;
  const encoding = negotiateEncoding(accepted);
  if (!encoding) return;

  const { writeHead, write, end } = response;
  const chunks: Buffer[] = [];
  const restore = () => Object.assign(response, { writeHead, write, end });
  // Known by the first write: an answer too small, or not text (a PDF), is not held at all.
  const passesAsIs = () => {
    const length = response.getHeader('content-length');
    const type = response.getHeader('content-type');
    return (length !== undefined && Number(length) < COMPRESSION_THRESHOLD_BYTES) || (type !== undefined && !COMPRESSIBLE.test(String(type)));
  };
  const chunk = (data: unknown, encodingName?: unknown): Buffer | undefined => {
    if (data === undefined || data === null || typeof data === 'function') return undefined;
    return Buffer.isBuffer(data) ? data : Buffer.from(data as string, typeof encodingName === 'string' ? (encodingName as BufferEncoding) : 'utf8');
  };

  response.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    // Held: the headers may still change (Content-Encoding, Content-Length). They go with the end.
    response.statusCode = status;
    const headers = rest.find((argument) => typeof argument === 'object' && argument !== null) as OutgoingHttpHeaders | unknown[] | undefined;
    if (typeof rest[0] === 'string') response.statusMessage = rest[0];
    if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) response.setHeader(String(headers[i]), headers[i + 1] as string);
    else if (headers) for (const [name, value] of Object.entries(headers)) if (value !== undefined) response.setHeader(name, value);
    return response;
  } as ServerResponse['writeHead'];

  response.write = function (data: unknown, encodingName?: unknown, callback?: unknown) {
    if (chunks.length === 0 && passesAsIs()) {
      restore();
      return write.call(response, data as string, encodingName as BufferEncoding, callback as () => void);
    }
    const bytes = chunk(data, encodingName);
    if (bytes) chunks.push(bytes);
    const done = typeof encodingName === 'function' ? encodingName : callback;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  } as ServerResponse['write'];

  response.end = function (data?: unknown, encodingName?: unknown, callback?: unknown) {
    restore();
    const last = chunk(data, encodingName);
    if (last) chunks.push(last);
    const done = [data, encodingName, callback].find((argument) => typeof argument === 'function') as (() => void) | undefined;
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    if (!worthCompressing(response, body.length)) return body.length === 0 ? response.end(done) : response.end(body, done);
    compress(encoding, body, (error, compressed) => {
      if (error) return response.end(body, done);
      response.setHeader('Content-Encoding', encoding);
      response.setHeader('Content-Length', compressed.length);
      appendHeaderToken(response, 'Vary', 'Accept-Encoding');
      response.end(compressed, done);
    });
    return response;
  } as ServerResponse['end'];
}

function worthCompressing(response: ServerResponse, length: number): boolean {
  const status = response.statusCode;
  if (length < COMPRESSION_THRESHOLD_BYTES || status === 204 || status === 206 || status === 304) return false;
  if (response.getHeader('content-encoding') !== undefined) return false;
  if (/no-transform/i.test(String(response.getHeader('cache-control') ?? ''))) return false;
  return COMPRESSIBLE.test(String(response.getHeader('content-type') ?? ''));
}
