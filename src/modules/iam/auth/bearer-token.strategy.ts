import type { HttpRequest } from '../../../platform/http/http-adapter';
import { Strategy } from 'passport-strategy';
import type { Principal } from '../../../platform/auth/principal';

const BEARER = /^Bearer\s+(\S+)$/i;

/** Passport strategy for `Authorization: Bearer <token>`; `verify` turns a token into a principal, or undefined. */
export class BearerTokenStrategy extends Strategy {
  constructor(private readonly verify: (token: string, request: HttpRequest) => Promise<Principal | undefined>) {
    super();
  }

  override authenticate(request: HttpRequest): void {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) return this.fail(401);
    this.verify(token, request).then(
      (principal) => (principal ? this.success(principal) : this.fail(401)),
      (error: unknown) => this.error(error instanceof Error ? error : new Error(String(error))),
    );
  }
}
