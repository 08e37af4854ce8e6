import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RequestContexts } from '../context/request-context';
import type { HttpRequest } from '../http/http-adapter';
import { Authenticator } from './authenticator';
import { IS_PUBLIC } from './public.decorator';

/** The global guard: every REST route needs a caller unless marked @Public(). */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    RequestContexts.require().principal = await this.authenticator.authenticate(request);
    return true;
  }
}
