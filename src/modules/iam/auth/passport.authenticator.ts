import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import passport from 'passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { Repository } from 'typeorm';
import { Authenticator } from '../../../platform/auth/authenticator';
import type { Principal } from '../../../platform/auth/principal';
import { AuthenticationFailed } from '../../../platform/errors/domain-error';
import { UserEntity } from '../users/user.entity';
import { hashApiKey } from './secrets';

const API_KEY = 'api-key';

/** Authenticates requests with passport strategies: the `X-Api-Key` header. */
@Injectable()
export class PassportAuthenticator extends Authenticator {
  // A private instance: the strategies of this application never leak into passport's global one.
  private readonly passport = new passport.Passport();

  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {
    super();
    this.passport.use(
      API_KEY,
      new HeaderAPIKeyStrategy({ header: 'X-Api-Key', prefix: '' }, false, (key: string, done) => {
        this.principalForKey(key).then((principal) => done(null, principal ?? false), done);
      }),
    );
  }

  authenticate(request: Request): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const middleware = this.passport.authenticate(API_KEY, { session: false }, (error: unknown, principal: Principal | false) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        if (!principal) return reject(new AuthenticationFailed());
        resolve(principal);
      });
      middleware(request, request.res, reject);
    });
  }

  private async principalForKey(key: string): Promise<Principal | undefined> {
    if (typeof key !== 'string') return undefined;
    const user = await this.users.findOneBy({ api_key_hash: hashApiKey(key) });
    if (!user || user.status !== 'active') return undefined;
    return {
      userId: user.id,
      login: user.login,
      resellersId: user.resellers_id,
      timezone: user.timezone,
      scheme: 'api-key',
    };
  }
}
