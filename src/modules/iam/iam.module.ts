import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { Authenticator } from '../../platform/auth/authenticator';
import { JwtAuthController } from './auth/jwt-auth.controller';
import { JwtAuthService } from './auth/jwt-auth.service';
import { JwtTokens } from './auth/jwt-tokens';
import { LoginThrottle } from './auth/login-throttle';
import { PassportAuthenticator } from './auth/passport.authenticator';
import { PrincipalCache } from './auth/principal-cache';
import { Principals } from './auth/principals';
import { ResellerEntity } from './resellers/reseller.entity';
import { ResellerTree } from './resellers/reseller-tree';
import { ResellersController } from './resellers/resellers.controller';
import { ResellersService } from './resellers/resellers.service';
import { Not } from 'typeorm';
import { References } from '../../platform/database/references';
import { AdminBootstrap } from './users/admin-bootstrap';
import { UserEntity } from './users/user.entity';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

References.declare(
  {
    from: UserEntity,
    column: 'resellers_id',
    where: { status: 'active' },
    to: ResellerEntity,
    code: 'resellers-in-use',
    describe: (id) => `reseller #${id} still has active users`,
  },
  {
    from: ResellerEntity,
    column: 'parent_id',
    where: { status: Not('deleted') },
    to: ResellerEntity,
    code: 'resellers-in-use',
    describe: (id) => `reseller #${id} still has child resellers`,
  },
);

@Module({
  imports: [JwtModule.register({})],
  controllers: [ResellersController, UsersController, JwtAuthController],
  providers: [
    AdminBootstrap,
    ResellerTree,
    ResellersService,
    UsersService,
    JwtTokens,
    JwtAuthService,
    LoginThrottle,
    Principals,
    PrincipalCache,
    { provide: Authenticator, useClass: PassportAuthenticator },
  ],
  exports: [Authenticator, ResellersService],
})
export class IamModule {}
