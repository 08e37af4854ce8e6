/** The kinds of failure the API distinguishes; each transport maps a kind in one place (error-mapping.ts). */
export type ErrorKind =
  | 'validation'
  | 'authentication'
  | 'not_found'
  | 'business'
  | 'too_many_requests'
  | 'payload_too_large'
  | 'method_not_allowed'
  | 'unavailable'
  | 'internal';

export type ErrorData = Record<string, unknown>;

/** A failure the caller is meant to see: thrown by services, rendered by the REST filter and the RPC engine alike. */
export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;

  protected constructor(
    message: string,
    readonly data?: ErrorData,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: `data` maps each field to what is wrong with it. */
export class ValidationFailed extends DomainError {
  readonly kind = 'validation';

  constructor(readonly problems: Record<string, string>) {
    super('Invalid params', problems);
  }

  static field(field: string, problem: string): ValidationFailed {
    return new ValidationFailed({ [field]: problem });
  }
}

/** A coded failure: `message` is "<code>: <text>" and `data` carries both parts. */
abstract class CodedError extends DomainError {
  protected constructor(code: string, text: string, extra: ErrorData = {}) {
    super(`${code}: ${text}`, { code, message: text, ...extra });
  }
}

export class AuthenticationFailed extends CodedError {
  readonly kind = 'authentication';

  constructor(text = 'Authentication failed: a valid X-Api-Key header is required') {
    super('utoken-auth-failed', text);
  }
}

/** Missing, or outside the caller's reach: both answer the same, so nothing leaks. */
export class NotFound extends DomainError {
  readonly kind = 'not_found';

  constructor(objectName: string, objectId: unknown) {
    super(`not_found: ${objectName} #${String(objectId)} not found`, {
      code: 'not_found',
      object_name: objectName,
      object_id: String(objectId),
    });
  }
}

/** A business rule refused the operation, e.g. `currencies-in-use` or `low-balance`. */
export class BusinessRuleViolation extends CodedError {
  readonly kind = 'business';

  constructor(
    readonly code: string,
    text: string,
    extra?: ErrorData,
  ) {
    super(code, text, extra);
  }
}

export class TooManyRequests extends DomainError {
  readonly kind = 'too_many_requests';

  constructor(readonly retryAfterSeconds: number) {
    super('too-many-requests: Too many requests, retry later', { code: 'too-many-requests' });
  }
}

export class PayloadTooLarge extends CodedError {
  readonly kind = 'payload_too_large';

  constructor(limitBytes: number) {
    super('payload-too-large', `the body is over the limit of ${limitBytes} bytes`, { limit_bytes: limitBytes });
  }
}

/** No route has this path, whatever the method. */
export class NoRoute extends CodedError {
  readonly kind = 'not_found';

  constructor(method: string, path: string) {
    super('not_found', `no route ${method} ${path}`);
  }
}

/** A route has this path, but not for this method: `allow` lists the methods it serves (the Allow header). */
export class MethodNotAllowed extends CodedError {
  readonly kind = 'method_not_allowed';
  readonly responseHeaders: Record<string, string>;

  constructor(method: string, path: string, allow: string[]) {
    super('method-not-allowed', `${method} is not allowed on ${path}`, { allow });
    this.responseHeaders = { Allow: allow.join(', ') };
  }
}

/** The database is down, too slow or cannot take writes: nothing was done, and the same call may succeed later. */
export class ServiceUnavailable extends DomainError {
  readonly kind = 'unavailable';
  readonly retryAfterSeconds = 5;

  constructor(cause?: unknown) {
    super('service-unavailable: Service temporarily unavailable, retry later', { code: 'service-unavailable' });
    this.cause = cause;
  }
}
