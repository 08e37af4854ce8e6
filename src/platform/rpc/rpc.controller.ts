import { Controller, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../auth/public.decorator';
import { toJsonInSlices } from '../http/json';
import { RpcEngine } from './rpc.engine';

export const RPC_PATHS = ['/', '/api'];

/** The JSON-RPC 2.0 endpoint. Public at the HTTP level: the engine authenticates per call, by method. */
@Controller()
export class RpcController {
  constructor(private readonly engine: RpcEngine) {}

  @Public()
  @Post(RPC_PATHS)
  async handle(@Req() request: Request, @Res() response: Response): Promise<void> {
    const reply = request.body === undefined ? this.engine.parseError() : await this.engine.handle(request.body as unknown, request);
    try {
      response.status(reply.status).set(reply.headers ?? {});
      if (reply.body === undefined) {
        response.end();
        return;
      }
      response.type('application/json').send(await toJsonInSlices(reply.body));
    } finally {
      reply.release?.();
    }
  }
}
