import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Authenticator } from '../../platform/auth/authenticator';
import { PassportAuthenticator } from './auth/passport.authenticator';
import { AdminBootstrap } from './users/admin-bootstrap';
import { UserEntity } from './users/user.entity';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [AdminBootstrap, { provide: Authenticator, useClass: PassportAuthenticator }],
  exports: [Authenticator],
})
export class IamModule {}
