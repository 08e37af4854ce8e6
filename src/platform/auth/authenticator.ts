import type { HttpRequest } from '../http/http-adapter';
import type { Principal } from './principal';

/**
 * Turns a request's credentials into a Principal, or throws AuthenticationFailed.
 * Abstract class so it can serve as the injection token; iam provides the implementation.
 */
export abstract class Authenticator {
  abstract authenticate(request: HttpRequest): Promise<Principal>;
}
