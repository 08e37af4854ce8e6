import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { DatabaseHealth } from '../database/database-health';
import { Readiness } from './readiness';
import { Public } from '../auth/public.decorator';
import type { HttpResponse } from '../http/http-adapter';

/** Liveness (the process answers) and readiness (the database answers and takes writes), each within a bound. */
@Controller(['health', 'api/health'])
export class HealthController {
  constructor(
    private readonly database: DatabaseHealth,
    private readonly readiness: Readiness,
  ) {}

  @Public()
  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: HttpResponse): Promise<Record<string, string>> {
    const problem = await this.database.problem();
    if (problem !== undefined) {
      response.status(503).header('Retry-After', '5');
      return { status: 'unavailable', database: problem };
    }
    // Anything else amiss (a stalled billing engine) is reported, and the process stays ready.
    const others = this.readiness.problems();
    return Object.keys(others).length === 0 ? { status: 'ok', database: 'ok' } : { status: 'degraded', database: 'ok', ...others };
  }
}
