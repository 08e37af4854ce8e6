import { Injectable, Logger, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA } from '@nestjs/common/constants';
import { API_METHOD, ApiMethodOptions, HttpVerb, splitRoute } from './api-method.types';
import { declaredHandler } from './api-method.decorator';
import { RestAnswers } from './rest-answers';

const ENHANCERS = { guards: GUARDS_METADATA, interceptors: INTERCEPTORS_METADATA, pipes: PIPES_METADATA, filters: EXCEPTION_FILTERS_METADATA };

/**
 * JSON-RPC calls a declared method directly, past Nest's per-route enhancers: a guard, pipe,
 * interceptor or filter put on a controller or handler would protect or change REST only. So the
 * boot refuses them.
 * Cross-cutting behaviour belongs in the global guard, the params pipeline or the services.
 */
function refuseRestOnlyEnhancers(reflector: Reflector, controller: Type<unknown>, handler: object, source: string): void {
  for (const [name, key] of Object.entries(ENHANCERS)) {
    const found = [...(reflector.get<unknown[]>(key, controller) ?? []), ...(reflector.get<unknown[]>(key, handler as never) ?? [])];
    if (found.length > 0) {
      throw new Error(`${source} has ${name} that JSON-RPC would skip: declared methods take no per-route ${name} (see method-registry.ts)`);
    }
  }
}

/** One declared method, callable by the JSON-RPC engine exactly as its REST route calls it. */
export interface RegisteredMethod {
  options: ApiMethodOptions;
  verb: HttpVerb;
  path: string;
  /** The handler's parameter type: the params class both protocols validate against. */
  paramsType?: Type<object>;
  /** `Controller.handler`, for messages. */
  source: string;
  invoke(params: object): Promise<unknown>;
  /** See ApiMethodOptions.many: one result or error per id, in the order of `ids`. */
  invokeMany?(ids: number[]): Promise<unknown[]>;
}

/** Finds every @ApiMethod at boot; refuses two methods with one JSON-RPC name or one REST route. */
@Injectable()
export class MethodRegistry implements OnModuleInit {
  private readonly logger = new Logger(MethodRegistry.name);
  private readonly methods = new Map<string, RegisteredMethod>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly restAnswers: RestAnswers,
  ) {}

  onModuleInit(): void {
    const routes = new Map<string, string>();
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, (params: object) => unknown> | undefined;
      if (!instance) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const handler of this.scanner.getAllMethodNames(prototype)) {
        const options: ApiMethodOptions | undefined = this.reflector.get<ApiMethodOptions | undefined>(API_METHOD, instance[handler]);
        if (!options) continue;
        const source = `${wrapper.name}.${handler}`;
        this.restAnswers.bind(instance);
        refuseRestOnlyEnhancers(this.reflector, wrapper.metatype as Type<unknown>, instance[handler], source);
        const existing = this.methods.get(options.rpc);
        if (existing) {
          throw new Error(`Duplicate JSON-RPC method "${options.rpc}": declared by ${existing.source} and ${source}`);
        }
        const { verb, path } = splitRoute(options.http);
        const route = `${verb} ${path.replace(/:[^/]+/g, ':')}`;
        if (routes.has(route)) {
          throw new Error(`Duplicate REST route "${options.http}": declared by ${routes.get(route)} and ${source}`);
        }
        routes.set(route, source);
        const paramTypes = Reflect.getMetadata('design:paramtypes', prototype, handler) as Type<object>[] | undefined;
        const many: string | undefined = options.many;
        if (many !== undefined && typeof instance[many] !== 'function') {
          throw new Error(`${source} names ${wrapper.name}.${many} to answer many ids, and there is no such method`);
        }
        this.methods.set(options.rpc, {
          options,
          verb,
          path,
          paramsType: paramTypes?.[0],
          source,
          invoke: async (params) => declaredHandler(instance[handler]).call(instance, params),
          ...(many !== undefined && { invokeMany: async (ids: number[]) => instance[many](ids) as unknown[] }),
        });
      }
    }
    this.logger.debug({ msg: `Registered ${this.methods.size} API methods`, methods: [...this.methods.keys()] });
  }

  find(name: string): RegisteredMethod | undefined {
    return this.methods.get(name);
  }

  /** Every method, sorted by name. */
  list(): RegisteredMethod[] {
    return [...this.methods.values()].sort((a, b) => a.options.rpc.localeCompare(b.options.rpc));
  }
}
