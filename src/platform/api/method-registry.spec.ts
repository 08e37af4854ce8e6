import { CanActivate, Controller, Injectable, UseGuards } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ApiMethod } from './api-method.decorator';
import { IdParams } from './common-params';
import { Database } from '../database/database';
import { MethodRegistry } from './method-registry';
import { RowsInFlight } from './rows-in-flight';
import { Idempotency } from '../idempotency/idempotency';
import { ResultPresenter } from './result-presenter';
import { RestAnswers } from './rest-answers';
import { TimeZones } from '../time/time-zones';
import { APP_CONFIG } from '../../config/config.module';
import { loadConfig } from '../../config/config';

@Controller()
class FirstController {
  @ApiMethod({ rpc: 'things.get', http: 'GET /things/:id', summary: 'Get a thing', result: { type: 'object' } })
  get(params: IdParams) {
    return params;
  }
}

@Controller()
class SameNameController {
  @ApiMethod({ rpc: 'things.get', http: 'GET /other-things/:id', summary: 'Get another thing', result: { type: 'object' } })
  get(params: IdParams) {
    return params;
  }
}

@Controller()
class SameRouteController {
  @ApiMethod({ rpc: 'things.fetch', http: 'GET /things/:thingId', summary: 'Fetch a thing', result: { type: 'object' } })
  fetch(params: IdParams) {
    return params;
  }
}

@Injectable()
class OnlyOnTuesdays implements CanActivate {
  canActivate() {
    return new Date().getDay() === 2;
  }
}

@Controller()
class GuardedController {
  @UseGuards(OnlyOnTuesdays)
  @ApiMethod({ rpc: 'things.guarded', http: 'GET /guarded-things/:id', summary: 'A guarded thing', result: { type: 'object' } })
  get(params: IdParams) {
    return params;
  }
}

@Controller()
class GuardedBelowController {
  // Put on the handler before @ApiMethod replaces it with its REST route: it must still be seen.
  @ApiMethod({ rpc: 'things.below', http: 'GET /below-things/:id', summary: 'A thing guarded below its declaration', result: { type: 'object' } })
  @UseGuards(OnlyOnTuesdays)
  get(params: IdParams) {
    return params;
  }
}

@UseGuards(OnlyOnTuesdays)
@Controller()
class GuardedClassController {
  @ApiMethod({ rpc: 'things.classy', http: 'GET /classy-things/:id', summary: 'A thing under a class guard', result: { type: 'object' } })
  get(params: IdParams) {
    return params;
  }
}

async function boot(...controllers: (new (...args: never[]) => unknown)[]) {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    controllers,
    providers: [
      MethodRegistry,
      RestAnswers,
      ResultPresenter,
      TimeZones,
      { provide: APP_CONFIG, useValue: loadConfig({}) },
      // No database here: a unit of work just runs its function.
      { provide: Database, useValue: { unit: <T>(fn: () => Promise<T>) => fn() } },
      RowsInFlight,
      // No keyed calls here.
      { provide: Idempotency, useValue: {} },
    ],
  }).compile();
  return moduleRef.init();
}

describe('MethodRegistry', () => {
  it('registers each declared method with its params type', async () => {
    const app = await boot(FirstController);
    const [method] = app.get(MethodRegistry).list();
    expect([method.options.rpc, method.verb, method.path, method.paramsType, method.source]).toEqual([
      'things.get',
      'GET',
      '/things/:id',
      IdParams,
      'FirstController.get',
    ]);
    await expect(method.invoke({ id: 5 })).resolves.toEqual({ id: 5 });
    await app.close();
  });

  it('fails the boot when two methods share a JSON-RPC name', async () => {
    await expect(boot(FirstController, SameNameController)).rejects.toThrow(
      'Duplicate JSON-RPC method "things.get": declared by FirstController.get and SameNameController.get',
    );
  });

  it('fails the boot when two methods share a REST route', async () => {
    await expect(boot(FirstController, SameRouteController)).rejects.toThrow(
      'Duplicate REST route "GET /things/:thingId": declared by FirstController.get and SameRouteController.fetch',
    );
  });

  it('fails the boot when a declared method carries a guard JSON-RPC would skip, on the handler or its controller', async () => {
    await expect(boot(GuardedController)).rejects.toThrow(
      'GuardedController.get has guards that JSON-RPC would skip: declared methods take no per-route guards (see method-registry.ts)',
    );
    await expect(boot(GuardedClassController)).rejects.toThrow('GuardedClassController.get has guards that JSON-RPC would skip');
    await expect(boot(GuardedBelowController)).rejects.toThrow('GuardedBelowController.get has guards that JSON-RPC would skip');
  });
});
