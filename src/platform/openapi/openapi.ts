import type { FieldSpec, JsonSchema } from '../api/fields';
import { fieldsOf } from '../api/fields';
import type { RegisteredMethod } from '../api/method-registry';
import { RPC_PATHS } from '../rpc/rpc.controller';
import { TZ_PARAM } from '../time/time-zones';
import type { ErrorKind } from '../errors/domain-error';
import { describeErrorKind, ERROR_KINDS } from '../errors/error-kinds';
import { API_TITLE, API_VERSION, objectSchema, SchemaCollector, TZ_SCHEMA } from './schemas';

type ErrorName = ErrorKind;

const status = (kind: ErrorKind) => String(ERROR_KINDS[kind].httpStatus);

/** OpenAPI 3.1 of every declared method's REST route, plus the JSON-RPC endpoint. */
export function buildOpenApi(methods: RegisteredMethod[]): JsonSchema {
  const collector = new SchemaCollector();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const method of methods) {
    const path = method.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    paths[path] = { ...paths[path], [method.verb.toLowerCase()]: operation(method, collector) };
  }
  paths[RPC_PATHS[0]] = { post: rpcOperation(methods) };

  return {
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description: [
        'Every method is available over REST (below) and JSON-RPC 2.0 (`POST /`), with the same parameters, results and errors.',
        'Every route also answers under the `/api/` prefix.',
        'Authenticate with an `X-Api-Key` header (preferred) or a deprecated JWT bearer token from `iam.auth.jwt.authenticate`.',
        `Datetimes in and out follow \`${TZ_PARAM}\`, else the caller's time zone, else the server default.`,
      ].join('\n\n'),
    },
    paths,
    components: {
      schemas: { ...collector.schemas, ...ERROR_SCHEMAS },
      responses: Object.fromEntries(
        (Object.keys(ERROR_KINDS) as ErrorName[]).map((name) => [name, errorResponse(describeErrorKind(name))]),
      ),
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

function operation(method: RegisteredMethod, collector: SchemaCollector): JsonSchema {
  const { options } = method;
  const fields = method.paramsType ? fieldsOf(method.paramsType) : [];
  const pathNames = [...method.path.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1]);
  const inPath = fields.filter((field) => pathNames.includes(field.name));
  const rest = fields.filter((field) => !pathNames.includes(field.name));
  const hasBody = method.verb === 'POST' || method.verb === 'PATCH';

  const parameters = [
    ...inPath.map((field) => parameter(field, 'path')),
    ...(hasBody ? [] : rest.map((field) => parameter(field, 'query'))),
    { name: TZ_PARAM, in: 'query', required: false, schema: TZ_SCHEMA },
  ];
  const errors: ErrorName[] = [
    'validation',
    ...(options.public ? [] : (['authentication'] as const)),
    ...(options.errors ?? []),
    ...(hasBody ? (['payload_too_large'] as const) : []),
    'internal',
    'unavailable',
  ];
  return {
    operationId: options.rpc,
    summary: options.summary,
    description: [options.description, `JSON-RPC method: \`${options.rpc}\``].filter(Boolean).join('\n\n'),
    tags: [tagOf(options.rpc)],
    parameters,
    ...(hasBody && {
      requestBody: {
        required: rest.some((field) => field.required),
        content: { 'application/json': { schema: objectSchema(rest) } },
      },
    }),
    responses: {
      '200': options.download
        ? { description: 'The file', content: { [options.download]: { schema: { type: 'string', format: 'binary' } } } }
        : { description: 'Success', content: { 'application/json': { schema: collector.resultSchema(options.result) } } },
      ...Object.fromEntries(errors.map((kind) => [status(kind), { $ref: `#/components/responses/${kind}` }])),
    },
    ...(options.public && { security: [] }),
  };
}

function parameter(field: FieldSpec, location: 'path' | 'query'): JsonSchema {
  const isList = field.schema.type === 'array';
  return {
    name: field.name,
    in: location,
    required: location === 'path' || field.required,
    schema: field.schema,
    ...(typeof field.schema.description === 'string' && { description: field.schema.description }),
    ...(isList && { style: 'form', explode: true }),
  };
}

/** `accounting.currencies.get` → `accounting.currencies`. */
export function tagOf(rpcName: string): string {
  return rpcName.split('.').slice(0, -1).join('.') || rpcName;
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
          message: { type: 'string', example: 'not_found: currencies #42 not found' },
          data: { type: 'object', additionalProperties: true, example: { code: 'not_found', object_name: 'currencies', object_id: '42' } },
        },
      },
    },
  },
  JsonRpcRequest: {
    type: 'object',
    required: ['jsonrpc', 'method'],
    properties: {
      jsonrpc: { const: '2.0' },
      id: { type: ['string', 'integer', 'null'], description: 'Leave out for a notification (never answered)' },
      method: { type: 'string' },
      params: { type: 'object', description: 'Named params: the same fields as the REST route, path parameters included' },
    },
  },
  JsonRpcResponse: {
    type: 'object',
    required: ['jsonrpc', 'id'],
    properties: {
      jsonrpc: { const: '2.0' },
      id: { type: ['string', 'integer', 'null'] },
      result: {},
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'integer' }, message: { type: 'string' }, data: { type: 'object' } },
      },
    },
  },
};

function errorResponse(description: string): JsonSchema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function rpcOperation(methods: RegisteredMethod[]): JsonSchema {
  const request = { $ref: '#/components/schemas/JsonRpcRequest' };
  const response = { $ref: '#/components/schemas/JsonRpcResponse' };
  return {
    operationId: 'jsonrpc',
    summary: 'JSON-RPC 2.0 endpoint (also POST /api/)',
    description: [
      'One call, or a batch (an array) of at most the configured limit (100 by default). Calls without `id` are notifications: run, never answered.',
      'Authentication failures answer HTTP 401 with error -32005; everything else answers HTTP 200. `rpc.discover` returns the OpenRPC document.',
      `Methods: ${methods.map((method) => `\`${method.options.rpc}\``).join(', ')}.`,
    ].join('\n\n'),
    tags: ['json-rpc'],
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
        content: { 'application/json': { schema: { oneOf: [response, { type: 'array', items: response }] } } },
      },
      '204': { description: 'Only notifications were sent: nothing to answer' },
      '401': { description: 'Authentication failed: error -32005', content: { 'application/json': { schema: response } } },
      '413': { description: 'Body over the size limit', content: { 'application/json': { schema: response } } },
    },
  };
}
