import { Controller } from '@nestjs/common';
import { ApiMethod, Args } from '../../../platform/api/api-method.decorator';
import { NoParams } from '../../../platform/api/common-params';
import { JwtAuthenticateParams, JwtToken } from './dto/jwt.dto';
import { JwtAuthService } from './jwt-auth.service';

@Controller()
export class JwtAuthController {
  constructor(private readonly auth: JwtAuthService) {}

  @ApiMethod({
    rpc: 'iam.auth.jwt.authenticate',
    http: 'POST /iam/auth/jwt/authenticate',
    summary: 'Exchange a login and password for a JWT (deprecated)',
    description:
      'Deprecated: prefer API keys. Repeated failures for one login or from one address are throttled (429 / -32029 with Retry-After).',
    result: JwtToken,
    errors: ['authentication', 'too_many_requests'],
    public: true,
    idempotencyKey: false,
  })
  authenticate(@Args() params: JwtAuthenticateParams) {
    return this.auth.authenticate(params);
  }

  @ApiMethod({
    rpc: 'iam.auth.jwt.refresh',
    http: 'POST /iam/auth/jwt/refresh',
    summary: 'A new JWT for the caller, before the current one expires (deprecated)',
    result: JwtToken,
    idempotencyKey: false,
  })
  refresh(@Args() _params: NoParams) {
    return this.auth.refresh();
  }
}
