import { Injectable } from '@nestjs/common';
import passport from 'passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { Repository } from 'typeorm';
import { Database } from '../../../platform/database/database';
import { Authenticator } from '../../../platform/auth/authenticator';
import { Principal } from '../../../platform/auth/principal';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { AuthenticationFailed } from '../../../platform/errors/domain-error';
import { type HttpRequest, nodeResponse, setResponseHeader } from '../../../platform/http/http-adapter';
import { UserEntity } from '../users/user.entity';
import { ipAllowed } from './allowed-ips';
import { BearerTokenStrategy } from './bearer-token.strategy';
import { JwtTokens } from './jwt-tokens';
import { PrincipalCache } from './principal-cache';
import { Principals } from './principals';
import { hashApiKey } from './secrets';

const API_KEY = 'api-key';
const JWT = 'jwt';
const API_KEY_FAILED = 'Authentication failed: a valid X-Api-Key header is required';
const JWT_FAILED = 'Authentication failed: the token is invalid, expired or revoked';

/**
 * Both schemes through passport: `X-Api-Key` (preferred; it wins when both are sent) and the
 * deprecated `Authorization: Bearer <JWT>`. Either way the user must be active and calling from
 * an allowed address, checked on every request, so blocking a user or rotating a key takes effect at once.
 */
@Injectable()
export class PassportAuthenticator extends Authenticator {
  // A private instance: this application's strategies never leak into passport's global one.
  private readonly passport = new passport.Passport();

  constructor(
    private readonly db: Database,
    private readonly tokens: JwtTokens,
    private readonly principals: Principals,
    private readonly cache: PrincipalCache,
    private readonly tenancy: Tenancy,
  ) {
    super();
    this.passport.use(
      API_KEY,
      new HeaderAPIKeyStrategy({ header: 'X-Api-Key', prefix: '' }, true, (key, done, request) => {
        this.principalForKey(key, request!).then((principal) => done(null, principal ?? undefined), done);
      }),
    );
    this.passport.use(
      JWT,
      new BearerTokenStrategy(async (token, request) => {
        const verified = await this.tokens.verify(token);
        if (!verified) return undefined;
        const user = await this.users.findOneBy({ id: verified.userId });
        // A token issued before the user's credentials or status last changed is revoked.
        return user?.token_version === verified.version ? this.admit(user, request, 'jwt') : undefined;
      }),
    );
  }

  private get users(): Repository<UserEntity> {
    return this.db.repository(UserEntity);
  }


  /** Lookups of keys in progress: requests with the same key wait for it, then read the cache. */
  private readonly lookups = new Map<string, Promise<unknown>>();

  /**
   * A key seen in the last second is answered from the cache, before passport and the database;
   * anything else is looked up in every reseller: whose it is is not limited by anyone's reach yet.
   * When a key's entry expires under load, one request looks it up and the others wait for it.
   */
  async authenticate(request: HttpRequest): Promise<Principal> {
    const key = request.headers['x-api-key'];
    const hash = typeof key === 'string' && key !== '' ? hashApiKey(key) : undefined;
    let cached = hash === undefined ? undefined : this.fromCache(hash, request);
    const pending = hash === undefined || cached !== undefined ? undefined : this.lookups.get(hash);
    if (pending) {
      await pending;
      cached = this.fromCache(hash!, request);
    }
    if (cached === false) throw new AuthenticationFailed(API_KEY_FAILED);
    if (cached) return cached;
    const lookup = this.tenancy.runAs(Principal.system('authentication'), () => this.authenticateAs(request));
    if (hash !== undefined && !this.lookups.has(hash)) {
      const settled = lookup.catch(() => undefined).finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, settled);
    }
    return lookup;
  }

  /** The cached caller of a key (false: cached, but not from this address), or undefined when not cached. */
  private fromCache(hash: string, request: HttpRequest): Principal | false | undefined {
    const cached = this.cache.get(hash);
    // The cache remembers who the key belongs to; the address is checked on every request.
    if (!cached) return undefined;
    return ipAllowed(cached.allowedIps, request.ip) ? ownCopy(cached.principal) : false;
  }

  private authenticateAs(request: HttpRequest): Promise<Principal> {
    const scheme = request.headers['x-api-key'] !== undefined || !request.headers.authorization ? API_KEY : JWT;
    return new Promise((resolve, reject) => {
      const middleware = this.passport.authenticate(scheme, { session: false }, (error: unknown, principal: Principal | false) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        if (!principal) return reject(new AuthenticationFailed(scheme === JWT ? JWT_FAILED : API_KEY_FAILED));
        // JWT answers carry the deprecation notice.
        if (principal.scheme === 'jwt') setResponseHeader(request, 'Deprecation', 'true');
        resolve(principal);
      });
      middleware(request, nodeResponse(request), reject);
    });
  }

  /** A key not in the cache (authenticate looked there first): read, checked, then cached. */
  private async principalForKey(key: string, request: HttpRequest): Promise<Principal | undefined> {
    const hash = hashApiKey(key);
    const readAt = this.cache.current();
    const user = await this.users.findOneBy({ api_key_hash: hash });
    const principal = await this.admit(user, request, 'api-key');
    if (principal) this.cache.set(hash, { principal: ownCopy(principal), allowedIps: user!.allowed_ips }, readAt);
    return principal;
  }

  private async admit(user: UserEntity | null, request: HttpRequest, scheme: 'api-key' | 'jwt'): Promise<Principal | undefined> {
    if (!user || user.status !== 'active' || !ipAllowed(user.allowed_ips, request.ip)) return undefined;
    return this.principals.of(user, scheme);
  }
}

/** A request's own principal: its reach grows with resellers it creates, which must not leak into the cache. */
function ownCopy(principal: Principal): Principal {
  return principal.reach.kind === 'all' ? principal : { ...principal, reach: { ...principal.reach, ids: new Set(principal.reach.ids) } };
}
