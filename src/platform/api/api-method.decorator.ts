import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  HttpCode,
  Injectable,
  PipeTransform,
  ArgumentMetadata,
  Req,
  RequestMapping,
  Res,
  SetMetadata,
  Type,
} from '@nestjs/common';
import type { HttpRequest, HttpResponse } from '../http/http-adapter';
import { Public } from '../auth/public.decorator';
import { ValidationFailed } from '../errors/domain-error';
import { ExactNumber } from '../http/exact-number';
import { API_METHOD, ApiMethodOptions, splitRoute, takesIdempotencyKey, VERBS } from './api-method.types';
import { readIdempotencyKey } from '../idempotency/idempotency';
import { RestAnswers } from './rest-answers';
import { RawParams, validateParams } from './validate-params';
import { TimeZones } from '../time/time-zones';
import { takeDecimalsForm } from './decimals-param';

/** Metadata on the REST route: the handler as its controller declares it. */
const DECLARED_HANDLER = 'api:declared-handler';

/**
 * Declares one API method once: its REST route (also under /api/), its JSON-RPC name, its result
 * and its docs. The handler's single parameter, decorated with @Args(), is its params class.
 */
export function ApiMethod(options: ApiMethodOptions): MethodDecorator {
  const { verb, path } = splitRoute(options.http);
  const decorate = applyDecorators(
    RequestMapping({ path: [path, `/api${path}`], method: VERBS[verb] }),
    HttpCode(200),
    SetMetadata(API_METHOD, options),
    ...(options.public ? [Public()] : []),
  );
  return <T>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const declared = descriptor.value as DeclaredHandler;
    const rest = restHandler(options, declared);
    // What decorators below this one put on the handler (a guard, a header) stays with the route Nest sees.
    for (const name of Reflect.getOwnMetadataKeys(declared)) Reflect.defineMetadata(name, Reflect.getOwnMetadata(name, declared), rest);
    Reflect.defineMetadata(DECLARED_HANDLER, declared, rest);
    // The route takes the HTTP request and response after the params (the response passed through: Nest still sends the answer).
    Req()(target, key, 1);
    Res({ passthrough: true })(target, key, 2);
    descriptor.value = rest as T;
    decorate(target, key, descriptor);
    return descriptor;
  };
}

type DeclaredHandler = (params: object) => Promise<unknown> | unknown;

/** The route Nest calls for a declared method: the handler as declared, answered by the application's RestAnswers. */
function restHandler(options: ApiMethodOptions, declared: DeclaredHandler) {
  return function (this: object, params: object, request: HttpRequest, response: HttpResponse) {
    const handle = () => Promise.resolve(declared.call(this, params));
    return RestAnswers.of(this).answer(options, handle, params, request, response);
  };
}

/** The method as its controller declares it (JSON-RPC calls it directly), given the route @ApiMethod put in its place. */
export function declaredHandler(route: (params: object) => unknown): DeclaredHandler {
  return (Reflect.getMetadata(DECLARED_HANDLER, route) as DeclaredHandler | undefined) ?? route;
}

const BODYLESS = new Set(['GET', 'DELETE', 'HEAD']);

/** REST arguments as one object: query (and body, for methods with one) with path params on top. */
export function collectRestParams(request: HttpRequest): RawParams {
  refuseInvalidUtf8Query(request.url);
  const query = normalizeQuery(request.query);
  if (BODYLESS.has(request.method) || request.body === undefined) return { ...query, ...request.params };
  const body: unknown = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof ExactNumber) {
    throw ValidationFailed.field('body', 'must be a JSON object');
  }
  return { ...query, ...(body as RawParams), ...request.params };
}

/** The query parser replaces bytes that are not UTF-8 (`%E9` alone) silently: refused here instead. */
function refuseInvalidUtf8Query(url: string): void {
  const start = url.indexOf('?');
  if (start < 0) return;
  try {
    decodeURIComponent(url.slice(start + 1).replace(/\+/g, ' '));
  } catch {
    throw ValidationFailed.field('query', 'is not valid UTF-8');
  }
}

/** `status[]=a&status[]=b` and `status=a&status=b` mean the same list. (A Map: a `__proto__` key stays a key.) */
function normalizeQuery(query: Record<string, unknown>): RawParams {
  const normalized = new Map<string, unknown>();
  for (const [key, value] of Object.entries(query)) {
    const name = key.endsWith('[]') ? key.slice(0, -2) : key;
    const previous = normalized.get(name);
    normalized.set(name, previous === undefined ? (key.endsWith('[]') && !Array.isArray(value) ? [value] : value) : [previous, value].flat());
  }
  return Object.fromEntries(normalized);
}

@Injectable()
export class ParamsPipe implements PipeTransform<RawParams> {
  constructor(private readonly timeZones: TimeZones) {}

  transform(raw: RawParams, metadata: ArgumentMetadata): Promise<object> {
    return validateParams(metadata.metatype as Type<object> | undefined, takeDecimalsForm(this.timeZones.takeRequestZone(raw)));
  }
}

const RestParams = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<HttpRequest>();
  // A malformed Idempotency-Key is refused before the params are read, as JSON-RPC does.
  if (request.headers['idempotency-key'] !== undefined) {
    const method = Reflect.getMetadata(API_METHOD, context.getHandler()) as ApiMethodOptions | undefined;
    if (method && takesIdempotencyKey(method)) readIdempotencyKey(request.headers);
  }
  return collectRestParams(request);
});

/** The method's parameters, validated against the handler's parameter type (the same pipeline JSON-RPC uses). */
export const Args = (): ParameterDecorator => RestParams(undefined, ParamsPipe);
