import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { Principal } from '../../../platform/auth/principal';
import { RequestContexts } from '../../../platform/context/request-context';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { AuthenticationFailed } from '../../../platform/errors/domain-error';
import { UserEntity } from '../users/user.entity';
import { ipAllowed } from './allowed-ips';
import { JwtAuthenticateParams } from './dto/jwt.dto';
import { IssuedToken, JwtTokens } from './jwt-tokens';
import { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './secrets';
import { Database } from '../../../platform/database/database';

/** The deprecated login-and-password flow: a JWT for a login and password, and its refresh. */
@Injectable()
export class JwtAuthService {
  // Verified against when the login does not exist, so a wrong login costs the same time as a wrong password.
  private readonly decoyHash = hashPassword('decoy password, never matches');

  constructor(
    private readonly db: Database,
    private readonly tokens: JwtTokens,
    private readonly throttle: LoginThrottle,
    private readonly tenancy: Tenancy,
  ) {}

  private get users(): Repository<UserEntity> {
    return this.db.repository(UserEntity);
  }

  async authenticate({ login, password }: JwtAuthenticateParams): Promise<IssuedToken> {
    const address = RequestContexts.require().clientIp ?? 'unknown';
    this.throttle.check(login, address);
    // Counted as a failure until proven right, so guesses sent in parallel are all counted.
    const attempt = this.throttle.recordFailure(login, address);
    // Any user of any reseller may log in: the lookup is not limited by anyone's reach.
    const user = await this.tenancy.runAs(Principal.system('jwt-login'), () => this.users.findOneBy({ login }));
    const passwordMatches = await verifyPassword(password, user?.password_hash ?? (await this.decoyHash));
    if (!user || !passwordMatches || user.status !== 'active' || !ipAllowed(user.allowed_ips, address)) {
      throw new AuthenticationFailed('Authentication failed: wrong login or password');
    }
    this.throttle.recordSuccess(login, address, attempt);
    return this.tokens.issue(user);
  }

  /** A fresh token for the caller, whose current credentials were just checked. */
  async refresh(): Promise<IssuedToken> {
    const { userId } = RequestContexts.require().principal!;
    if (userId === null) throw new AuthenticationFailed('Authentication failed: only a user has a token to refresh');
    return this.tokens.issue(await this.users.findOneByOrFail({ id: userId }));
  }
}
