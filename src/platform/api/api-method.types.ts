import { RequestMethod, Type } from '@nestjs/common';
import type { ErrorKind } from '../errors/domain-error';
import type { JsonSchema } from './fields';

export type HttpVerb = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a method returns: a class with declared fields, a list of them, or a plain JSON Schema. */
export type ResultSpec = Type<unknown> | [Type<unknown>] | JsonSchema;

export interface ApiMethodOptions {
  /** JSON-RPC name, e.g. `accounting.currencies.get`. */
  rpc: string;
  /** REST route, e.g. `GET /accounting/currencies/:id`; it also answers under `/api/`. */
  http: `${HttpVerb} /${string}`;
  summary: string;
  description?: string;
  result: ResultSpec;
  /** Error kinds documented beside the success (authentication and validation are implied). */
  errors?: ErrorKind[];
  /** Callable without credentials. */
  public?: boolean;
  /**
   * A get by id: the controller's method answering many ids in one query, `(ids) => (object | Error)[]`
   * aligned with `ids`. Consecutive calls of the method in a JSON-RPC batch share it.
   */
  many?: string;
  /**
   * The method commits its work in units of its own (Database.unit per batch: a bill run), so no
   * unit of work is opened around the call: what one batch committed stays when a later one fails,
   * and no transaction stays open for the whole run. Its service must open a unit for every query.
   */
  ownUnitsOfWork?: boolean;
  /**
   * A file (e.g. `application/pdf`): the method answers a FileAnswer. REST sends its bytes with
   * this Content-Type and a Content-Disposition naming the file; JSON-RPC the result class's
   * fields (filename, content_type, content_base64).
   */
  download?: string;
  /**
   * Every POST that creates or acts takes an `Idempotency-Key` header (design-13; see
   * takesIdempotencyKey); `false` opts a POST out (JWT authenticate and refresh: no object is made).
   */
  idempotencyKey?: false;
}

/** Whether calls of the method may carry an Idempotency-Key: a POST that creates or acts, unless it opts out. */
export function takesIdempotencyKey(options: ApiMethodOptions): boolean {
  return options.idempotencyKey !== false && options.http.startsWith('POST ') && !Array.isArray(options.result);
}

/** What a `download` method answers. */
export interface FileAnswer {
  filename: string;
  content_type: string;
  content: Buffer;
  /** The bytes as base64, for JSON-RPC (computed when read). */
  readonly content_base64: string;
}

export function fileAnswer(filename: string, contentType: string, content: Buffer): FileAnswer {
  return {
    filename,
    content_type: contentType,
    content,
    get content_base64() {
      return content.toString('base64');
    },
  };
}

export const API_METHOD = 'api:method';

export const VERBS: Record<HttpVerb, RequestMethod> = {
  GET: RequestMethod.GET,
  POST: RequestMethod.POST,
  PATCH: RequestMethod.PATCH,
  DELETE: RequestMethod.DELETE,
};

export function splitRoute(http: ApiMethodOptions['http']): { verb: HttpVerb; path: string } {
  const [verb, path] = http.split(' ') as [HttpVerb, string];
  return { verb, path };
}

