import { fieldsOf, JsonSchema } from '../api/fields';
import type { RegisteredMethod } from '../api/method-registry';
import { TZ_PARAM } from '../time/time-zones';
import type { ErrorKind } from '../errors/domain-error';
import { describeErrorKind, ERROR_KINDS } from '../errors/error-kinds';
import { API_LICENSE, API_TITLE, API_VERSION, DECIMALS_PARAM, DECIMALS_SCHEMA, isIdempotent, isSearch, sampleOf, SchemaCollector, TZ_SCHEMA } from './schemas';
import { tagList, tagOf } from './tags';

/**
 * Where the endpoint is. The OpenRPC meta-schema wants an absolute URI; `host` is a server
 * variable (host and port) whose default is a server started locally with the default PORT.
 */
export const OPENRPC_SERVERS = [
  {
    name: 'JSON-RPC 2.0 over HTTP POST',
    url: 'http://{host}/',
    summary: 'POST / (or /api/) on the server that answered rpc.discover',
    variables: { host: { default: 'localhost:3080', description: 'Host and port of the server (PORT, default 3080)' } },
  },
];

/** OpenRPC 1.3 of every declared method, from the same declarations as the OpenAPI document. */
export function buildOpenRpc(methods: RegisteredMethod[]): JsonSchema {
  const collector = new SchemaCollector();
  const descriptions = new Map(tagList().map((tag) => [tag.name, tag.description]));
  const built = methods.map((method) => {
    const { options } = method;
    const kinds = [...new Set<ErrorKind>(['validation', ...(options.public ? [] : (['authentication'] as const)), ...(options.errors ?? []), 'unavailable'])];
    const fields = method.paramsType ? fieldsOf(method.paramsType) : [];
    const search = isSearch(method);
    const tag = tagOf(options.rpc);
    const description = [
      options.description,
      search && 'The answer carries `meta` beside `result`: `{"has_more": true, "next_offset": 100}` (`next_offset` null when there is no more).',
      isIdempotent(method) && 'Called alone in an HTTP request, it takes an `Idempotency-Key` header: the same key and params replay the first answer.',
    ].filter(Boolean);
    const result = { name: 'result', schema: collector.resultSchema(options.result) };
    return {
      method,
      document: {
        name: options.rpc,
        summary: options.summary,
        ...(description.length > 0 && { description: description.join('\n\n') }),
        tags: [{ name: tag, description: descriptions.get(tag) }],
        ...(options.rpc.startsWith('iam.auth.jwt.') && { deprecated: true }),
        paramStructure: 'by-name',
        params: [
          ...fields.map((field) => ({
            name: field.name,
            ...(typeof field.schema.description === 'string' && { description: field.schema.description }),
            required: field.required,
            schema: field.member ?? field.schema,
          })),
          { name: TZ_PARAM, description: TZ_SCHEMA.description, required: false, schema: TZ_SCHEMA },
          { name: DECIMALS_PARAM, description: DECIMALS_SCHEMA.description, required: false, schema: DECIMALS_SCHEMA },
        ],
        result,
        errors: kinds
          .filter((kind) => ERROR_KINDS[kind].rpcCode !== null)
          .map((kind) => ({ code: ERROR_KINDS[kind].rpcCode, message: describeErrorKind(kind) })),
      } as JsonSchema,
    };
  });
  // Examples last: built from the schemas, which the loop above collected.
  for (const { method, document } of built) document.examples = [example(method, document, collector)];
  return {
    openrpc: '1.3.2',
    info: { title: API_TITLE, version: API_VERSION, license: { name: API_LICENSE.name } },
    servers: OPENRPC_SERVERS,
    methods: built.map(({ document }) => document),
    components: { schemas: collector.schemas },
  };
}

/** A call with the params an explorer would send (a search's filters left out) and what it answers. */
function example(method: RegisteredMethod, document: JsonSchema, collector: SchemaCollector): JsonSchema {
  const search = isSearch(method);
  const params = (method.paramsType ? fieldsOf(method.paramsType) : [])
    .filter((field) => field.required || (!search && field.schema.example !== undefined))
    .map((field) => ({ name: field.name, value: sampleOf(field.schema, collector.schemas) }));
  const result = (document.result as { schema: JsonSchema }).schema;
  return {
    name: `${method.options.rpc} example`,
    params,
    result: { name: 'result', value: sampleOf(result, collector.schemas) },
  };
}
