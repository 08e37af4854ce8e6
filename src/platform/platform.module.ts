import { DynamicModule, Global, Module, ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { MethodRegistry } from './api/method-registry';
import { ParamsPipe } from './api/api-method.decorator';
import { RestAnswers } from './api/rest-answers';
import { ResultPresenter } from './api/result-presenter';
import { HttpExceptionFilter } from './errors/http-exception.filter';
import { HealthController } from './health/health.controller';
import { DocsController } from './openapi/docs.controller';
import { RpcController } from './rpc/rpc.controller';
import { RpcEngine } from './rpc/rpc.engine';
import { RowsInFlight } from './api/rows-in-flight';
import { ReferenceChecks } from './database/references';
import { Tenancy } from './tenancy/tenancy';
import { TimeZones } from './time/time-zones';
import { Clock } from './time/clock';
import { Readiness } from './health/readiness';
import { RouteTable } from './http/route-table';
import { Idempotency } from './idempotency/idempotency';

const PLATFORM = {
  controllers: [RpcController, DocsController, HealthController],
  providers: [
    MethodRegistry,
    RpcEngine,
    ResultPresenter,
    RestAnswers,
    ParamsPipe,
    TimeZones,
    Clock,
    Readiness,
    Tenancy,
    ReferenceChecks,
    RowsInFlight,
    RouteTable,
    Idempotency,
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
  ],
  exports: [RouteTable, Idempotency, TimeZones, Clock, Readiness, Tenancy, ReferenceChecks, RowsInFlight, ResultPresenter, RestAnswers, ParamsPipe],
};

/** The domain-free machinery: both protocols, errors, time zones, documents and health. */
@Global()
@Module({})
export class PlatformModule {
  /** `authentication` is the module that provides the Authenticator (iam). */
  static forRoot(authentication: NonNullable<ModuleMetadata['imports']>): DynamicModule {
    return { module: PlatformModule, imports: [DiscoveryModule, ...authentication], ...PLATFORM };
  }
}
