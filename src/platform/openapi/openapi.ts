import type { FieldSpec, JsonSchema } from '../api/fields';
import { fieldsOf } from '../api/fields';
import type { RegisteredMethod } from '../api/method-registry';
import { RPC_PATHS } from '../rpc/rpc.controller';
import { TZ_PARAM } from '../time/time-zones';
import type { ErrorKind } from '../errors/domain-error';
import { describeErrorKind, ERROR_KINDS } from '../errors/error-kinds';
import {
  API_LICENSE,
  API_TITLE,
  API_VERSION,
  DECIMALS_PARAM,
  DECIMALS_SCHEMA,
  errorExample,
  IDEMPOTENCY_KEY_SCHEMA,
  isIdempotent,
  isSearch,
  paramsSchema,
  SchemaCollector,
  TZ_SCHEMA,
} from './schemas';
import { TAG_GROUPS, tagList, tagOf } from './tags';

/**
 * Where the API is. Relative: resolved against wherever the document is served from, so Swagger
 * UI's "Try it out" calls the server that served it, on any host and port.
 */
export const OPENAPI_SERVERS = [{ url: '/', description: 'The server this document is served from (every route also answers under /api/)' }];

const HEADERS: Record<string, JsonSchema> = {
  'X-Request-Id': {
    description: "The request's id, as logged by the server (the caller's own X-Request-Id when it sent a valid one)",
    required: true,
    schema: { type: 'string', minLength: 1 },
  },
  ETag: {
    description: 'A weak validator of the body: send it back in If-None-Match to get 304 while the answer is unchanged',
    schema: { type: 'string', pattern: '^W/".+"$' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (on a JSON-RPC answer: the longest any call of it was told)',
    schema: { type: 'string', pattern: '^\\d+$' },
  },
  Deprecation: {
    description: 'Sent as `true` when the call was authenticated with a (deprecated) JWT bearer token',
    schema: { type: 'string', enum: ['true'] },
  },
  'X-Has-More': {
    description: 'Whether rows exist past this page (the search read one row more than `limit` to know)',
    schema: { type: 'string', enum: ['true', 'false'] },
  },
  Link: {
    description: 'When X-Has-More is true: `<{path}?{the same query with offset + limit}>; rel="next"`, the next page',
    schema: { type: 'string' },
  },
  'Idempotent-Replayed': {
    description: 'Sent as `true` when this answer is the replay of an earlier call with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

const header = (name: string) => ({ [name]: { $ref: `#/components/headers/${name}` } });

/** The error kinds an operation may answer, in status order. */
function errorKinds(method: RegisteredMethod): ErrorKind[] {
  const { options } = method;
  const hasBody = method.verb === 'POST' || method.verb === 'PATCH';
  const kinds = new Set<ErrorKind>([
    'validation',
    ...(options.public ? [] : (['authentication'] as const)),
    ...(options.errors ?? []),
    ...(isIdempotent(method) ? (['business'] as const) : []),
    ...(hasBody ? (['payload_too_large'] as const) : []),
    'internal',
    'unavailable',
  ]);
  return [...kinds].sort((a, b) => ERROR_KINDS[a].httpStatus - ERROR_KINDS[b].httpStatus);
}

const status = (kind: ErrorKind) => String(ERROR_KINDS[kind].httpStatus);

/** OpenAPI 3.1 of every declared method's REST route, plus the JSON-RPC endpoint and the health probes. */
export function buildOpenApi(methods: RegisteredMethod[]): JsonSchema {
  const collector = new SchemaCollector();
  const paths: Record<string, Record<string, unknown>> = {};
  const kinds = new Set<ErrorKind>();
  for (const method of methods) {
    const path = method.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    errorKinds(method).forEach((kind) => kinds.add(kind));
    paths[path] = { ...paths[path], [method.verb.toLowerCase()]: operation(method, collector) };
  }
  paths[RPC_PATHS[0]] = { post: rpcOperation(methods, collector) };
  Object.assign(paths, HEALTH_PATHS);
  for (const [path, item] of Object.entries(paths)) item.description = notAllowed(path, item);

  return {
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: API_VERSION,
      license: API_LICENSE,
      description: INFO_DESCRIPTION,
    },
    servers: OPENAPI_SERVERS,
    tags: tagList(),
    'x-tagGroups': TAG_GROUPS.map((group) => ({ name: group.name, tags: Object.keys(group.tags) })),
    paths,
    components: {
      schemas: { ...collector.schemas, ...ERROR_SCHEMAS, ...collector.rpcSchemas, TimeZone: TZ_SCHEMA, Decimals: DECIMALS_SCHEMA },
      parameters: PARAMETERS,
      responses: Object.fromEntries(
        (Object.keys(ERROR_KINDS) as ErrorKind[]).filter((kind) => kinds.has(kind)).map((kind) => [kind, errorResponse(kind)]),
      ),
      headers: HEADERS,
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: "The user's API key (preferred)." },
        Jwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Deprecated, kept for compatibility: a token from iam.auth.jwt.authenticate.',
        },
      },
    },
    security: [{ ApiKey: [] }, { Jwt: [] }],
  };
}

const INFO_DESCRIPTION = [
  'Every method is available over REST (below) and JSON-RPC 2.0 (`POST /`), with the same parameters, results and errors.',
  'Every route also answers under the `/api/` prefix.',
  'Authenticate with an `X-Api-Key` header (preferred) or a deprecated JWT bearer token from `iam.auth.jwt.authenticate` (answers then carry `Deprecation: true`).',
  `Datetimes in and out follow \`${TZ_PARAM}\`, else the caller's time zone, else the server default. Inputs take ISO 8601 with an offset or Z, or a local \`2026-11-25 09:30:00\`, \`2026-11-25T09:30:00\` or \`2026-11-25\` read in that zone; outputs are ISO 8601 with the zone's offset (\`2026-11-25T09:30:00-05:00\`).`,
  `Money and rates are exact decimals. Inputs take a JSON number or a decimal string (\`"25.50"\`). Outputs are JSON numbers with every digit, or strings with \`${DECIMALS_PARAM}=string\` (many JSON parsers round numbers past 15 significant digits).`,
  'Searches answer a bare array; `X-Has-More` says whether more rows exist and `Link` gives the next page.',
  'Creates and other POST actions take an `Idempotency-Key` header: the same key with the same request replays the first answer (`Idempotent-Replayed: true`); with another request it is refused (422 `idempotency-key-reused`). Keys are kept 24 hours.',
  'A path called with a verb it does not serve answers 405 with an `Allow` header: `{"error":{"message":"method-not-allowed: PUT is not allowed on /clients/1","data":{"code":"method-not-allowed","message":"PUT is not allowed on /clients/1","allow":["GET","PATCH","DELETE"]}}}`. An unknown path answers 404: `{"error":{"message":"not_found: no route GET /nowhere","data":{"code":"not_found","message":"no route GET /nowhere"}}}`.',
].join('\n\n');

function operation(method: RegisteredMethod, collector: SchemaCollector): JsonSchema {
  const { options } = method;
  const fields = method.paramsType ? fieldsOf(method.paramsType) : [];
  const pathNames = [...method.path.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1]);
  const inPath = fields.filter((field) => pathNames.includes(field.name));
  const rest = fields.filter((field) => !pathNames.includes(field.name));
  const hasBody = method.verb === 'POST' || method.verb === 'PATCH';
  const search = isSearch(method);

  const parameters = [
    ...inPath.map((field) => parameter(field, 'path', false)),
    ...(hasBody ? [] : rest.map((field) => parameter(field, 'query', search))),
    ...extensionParameters(),
    ...(isIdempotent(method) ? [IDEMPOTENCY_KEY_PARAMETER] : []),
  ];
  const success: JsonSchema = options.download
    ? {
        description: 'The file',
        headers: { ...header('X-Request-Id'), ...header('ETag'), ...header('Deprecation') },
        content: { [options.download]: { schema: { type: 'string', format: 'binary' } } },
      }
    : {
        description: 'Success',
        headers: {
          ...header('X-Request-Id'),
          ...header('ETag'),
          ...(!options.public && header('Deprecation')),
          ...(search && { ...header('X-Has-More'), ...header('Link') }),
          ...(isIdempotent(method) && header('Idempotent-Replayed')),
        },
        content: { 'application/json': { schema: collector.resultSchema(options.result) } },
      };
  return {
    operationId: options.rpc,
    summary: options.summary,
    description: [options.description, `JSON-RPC method: \`${options.rpc}\``].filter(Boolean).join('\n\n'),
    tags: [tagOf(options.rpc)],
    ...(options.rpc.startsWith('iam.auth.jwt.') && { deprecated: true }),
    parameters,
    ...(hasBody && {
      requestBody: {
        required: rest.some((field) => field.required),
        content: { 'application/json': { schema: paramsSchema(rest) } },
      },
    }),
    responses: {
      '200': success,
      ...(method.verb === 'GET' && { '304': NOT_MODIFIED }),
      ...Object.fromEntries(errorKinds(method).map((kind) => [status(kind), { $ref: `#/components/responses/${kind}` }])),
    },
    ...(options.public && { security: [] }),
  };
}

/** A path item's description: what its other verbs answer (405 with Allow). */
function notAllowed(path: string, item: Record<string, unknown>): string {
  const allow = ['GET', 'POST', 'PATCH', 'DELETE'].filter((verb) => verb.toLowerCase() in item);
  return `Other verbs answer 405 with \`Allow: ${allow.join(', ')}\` and \`data\` \`{"code": "method-not-allowed", "message": "PUT is not allowed on ${path}", "allow": ${JSON.stringify(allow)}}\`.`;
}

const NOT_MODIFIED = {
  description: 'Not modified: the If-None-Match ETag is still current (no body)',
  headers: { ...header('X-Request-Id'), ...header('ETag') },
};

/** The parameters every operation shares, once in components. */
const PARAMETERS: Record<string, JsonSchema> = {
  TimeZone: { name: TZ_PARAM, in: 'query', required: false, description: TZ_SCHEMA.description, schema: { $ref: '#/components/schemas/TimeZone' } },
  Decimals: {
    name: DECIMALS_PARAM,
    in: 'query',
    required: false,
    description: DECIMALS_SCHEMA.description,
    schema: { $ref: '#/components/schemas/Decimals' },
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: IDEMPOTENCY_KEY_SCHEMA.description,
    schema: IDEMPOTENCY_KEY_SCHEMA,
  },
};

/** `__tz` and `__decimals`: accepted by every method, in the query (or in a REST body, or JSON-RPC params). */
function extensionParameters(): JsonSchema[] {
  return [{ $ref: '#/components/parameters/TimeZone' }, { $ref: '#/components/parameters/Decimals' }];
}

const IDEMPOTENCY_KEY_PARAMETER = { $ref: '#/components/parameters/IdempotencyKey' };

/** A search's filters carry no example: Swagger UI would fill them in, and "Try it out" would filter on made-up values. */
function parameter(field: FieldSpec, location: 'path' | 'query', search: boolean): JsonSchema {
  const isList = field.schema.type === 'array';
  const { example, description, ...schema } = field.schema;
  return {
    name: field.name,
    in: location,
    required: location === 'path' || field.required,
    description: typeof description === 'string' ? description : defaultDescription(field),
    schema: search || example === undefined ? schema : { ...schema, example },
    ...(isList && { style: 'form', explode: true }),
  };
}

/** A parameter the DTO left undescribed: list filters say what they take. */
function defaultDescription(field: FieldSpec): string {
  const items = field.schema.items as JsonSchema | undefined;
  if (items?.type === 'integer') return `Only rows whose ${field.name} is one of these ids (repeat the parameter, or separate ids with commas)`;
  if (Array.isArray(items?.enum)) {
    return `Only rows whose ${field.name} is one of these values (repeat the parameter, or separate values with commas)`;
  }
  throw new Error(`Parameter ${field.name} has no description: give its field one`);
}

const ERROR_SCHEMAS: Record<string, JsonSchema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['message'],
        properties: {
          message: { type: 'string', description: 'What went wrong; "<data.code>: <data.message>" when data has both' },
          data: {
            type: 'object',
            additionalProperties: true,
            description: 'A validation error maps each field to its problem; every other error carries `code`',
          },
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
};

function errorResponse(kind: ErrorKind): JsonSchema {
  const retry = kind === 'too_many_requests' || kind === 'unavailable';
  return {
    description: describeErrorKind(kind),
    headers: {
      ...header('X-Request-Id'),
      ...header('ETag'),
      ...(kind !== 'authentication' && header('Deprecation')),
      ...(retry && header('Retry-After')),
      ...(kind === 'business' && header('Idempotent-Replayed')),
    },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: { error: errorExample(kind) } } },
  };
}

const HEALTH_PATHS: Record<string, Record<string, JsonSchema>> = {
  '/health/live': {
    get: {
      operationId: 'health.live',
      summary: 'Liveness: the process answers',
      description: 'Without credentials; also under /api/health/live.',
      tags: ['health'],
      security: [],
      responses: {
        '200': {
          description: 'The process is alive',
          headers: { ...header('X-Request-Id'), ...header('ETag') },
          content: {
            'application/json': {
              schema: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, additionalProperties: false },
            },
          },
        },
      },
    },
  },
  '/health/ready': {
    get: {
      operationId: 'health.ready',
      summary: 'Readiness: the database answers and takes writes',
      description:
        'Without credentials; also under /api/health/ready. `degraded` names other problems (a stalled billing engine) while the process stays ready.',
      tags: ['health'],
      security: [],
      responses: {
        '200': {
          description: 'Ready (or degraded: ready, with other problems named)',
          headers: { ...header('X-Request-Id'), ...header('ETag') },
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['status', 'database'],
                properties: { status: { enum: ['ok', 'degraded'] }, database: { const: 'ok' } },
                additionalProperties: { type: 'string' },
              },
              example: { status: 'ok', database: 'ok' },
            },
          },
        },
        '503': {
          description: 'The database does not answer or cannot take writes',
          headers: { ...header('X-Request-Id'), ...header('ETag'), ...header('Retry-After') },
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['status', 'database'],
                properties: { status: { const: 'unavailable' }, database: { type: 'string' } },
                additionalProperties: false,
              },
              example: { status: 'unavailable', database: 'timeout' },
            },
          },
        },
      },
    },
  },
};

function rpcOperation(methods: RegisteredMethod[], collector: SchemaCollector): JsonSchema {
  const request = collector.rpcRequest(methods);
  const response = { $ref: '#/components/schemas/JsonRpcResponse' };
  const rpcErrorContent = (example: JsonSchema) => ({
    'application/json': { schema: { oneOf: [response, { type: 'array', items: response }] }, example },
  });
  return {
    operationId: 'jsonrpc',
    summary: 'JSON-RPC 2.0 endpoint (also POST /api/)',
    description: [
      'One call, or a batch (an array) of at most the configured limit (100 by default). Calls without `id` are notifications: run, never answered.',
      '`params` are named: the same fields as the REST route, path parameters included, plus `__tz` and `__decimals`.',
      'Authentication failures answer HTTP 401 with error -32005; everything else answers HTTP 200. `rpc.discover` returns the OpenRPC document.',
      'The answer to a search call carries `meta` beside `result`: `{"has_more": true, "next_offset": 100}` (`next_offset` null when no more).',
      'A single call of a create or action method takes an `Idempotency-Key` header, as its REST route does.',
      `Methods: ${methods.map((method) => `\`${method.options.rpc}\``).join(', ')}.`,
    ].join('\n\n'),
    tags: ['json-rpc'],
    parameters: [IDEMPOTENCY_KEY_PARAMETER],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: { oneOf: [request, { type: 'array', items: request, minItems: 1 }] },
          example: { jsonrpc: '2.0', id: 1, method: 'accounting.currencies.get', params: { id: 1 } },
        },
      },
    },
    responses: {
      '200': {
        description: 'The answer, or the array of answers of a batch',
        headers: {
          ...header('X-Request-Id'),
          ...header('ETag'),
          ...header('Deprecation'),
          ...header('Idempotent-Replayed'),
          ...header('Retry-After'),
        },
        content: {
          'application/json': {
            schema: { oneOf: [response, { type: 'array', items: response }] },
            example: { jsonrpc: '2.0', id: 1, result: { id: 1, name: 'USD', description: null, rates_precision: 4, details_precision: 4, totals_precision: 2, c_dt: '2026-11-25T09:30:00+00:00' } },
          },
        },
      },
      '204': { description: 'Only notifications were sent: nothing to answer', headers: header('X-Request-Id') },
      '401': {
        description:
          'Every call needed a caller and failed to authenticate: error -32005 (an array for a batch; no body when only notifications were sent)',
        headers: { ...header('X-Request-Id'), ...header('ETag') },
        content: rpcErrorContent({ jsonrpc: '2.0', id: 1, error: { code: -32005, ...errorExample('authentication') } }),
      },
      '413': {
        description: 'Body over the size limit',
        headers: { ...header('X-Request-Id'), ...header('ETag') },
        content: rpcErrorContent({ jsonrpc: '2.0', id: null, error: { code: -32600, ...errorExample('payload_too_large') } }),
      },
    },
  };
}

