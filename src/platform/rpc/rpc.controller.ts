import { Controller, Post, Req, Res } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { type HttpRequest, type HttpResponse, sendJson } from '../http/http-adapter';
import { toJsonInSlices } from '../http/json';
import { RpcEngine } from './rpc.engine';

export const RPC_PATHS = ['/', '/api'];

/** The JSON-RPC 2.0 endpoint. Public at the HTTP level: the engine authenticates per call, by method. */
@Controller()
export class RpcController {
  constructor(private readonly engine: RpcEngine) {}

  @Public()
  @Post(RPC_PATHS)
  async handle(@Req() request: HttpRequest, @Res() response: HttpResponse): Promise<void> {
    const reply = request.body === undefined ? this.engine.parseError() : await this.engine.handle(request.body as unknown, request);
    try {
      sendJson(response, reply.status, reply.headers ?? {}, reply.body === undefined ? undefined : await toJsonInSlices(reply.body));
    } finally {
      reply.release?.();
    }
  }
}
