import { fieldsOf, JsonSchema } from '../api/fields';
import type { RegisteredMethod } from '../api/method-registry';
import { TZ_PARAM } from '../time/time-zones';
import type { ErrorKind } from '../errors/domain-error';
import { describeErrorKind, ERROR_KINDS } from '../errors/error-kinds';
import { API_TITLE, API_VERSION, SchemaCollector, TZ_SCHEMA } from './schemas';
import { tagOf } from './openapi';

/** OpenRPC 1.3 of every declared method, from the same declarations as the OpenAPI document. */
export function buildOpenRpc(methods: RegisteredMethod[]): JsonSchema {
  const collector = new SchemaCollector();
  return {
    openrpc: '1.3.2',
    info: { title: API_TITLE, version: API_VERSION },
    servers: [{ name: 'JSON-RPC 2.0 over HTTP POST', url: '/' }],
    methods: methods.map((method) => {
      const { options } = method;
      const kinds = [...new Set<ErrorKind>(['validation', ...(options.public ? [] : (['authentication'] as const)), ...(options.errors ?? []), 'unavailable'])];
      return {
        name: options.rpc,
        summary: options.summary,
        ...(options.description && { description: options.description }),
        tags: [{ name: tagOf(options.rpc) }],
        paramStructure: 'by-name',
        params: [
          ...(method.paramsType ? fieldsOf(method.paramsType) : []).map((field) => ({
            name: field.name,
            required: field.required,
            schema: field.schema,
          })),
          { name: TZ_PARAM, required: false, schema: TZ_SCHEMA },
        ],
        result: { name: 'result', schema: collector.resultSchema(options.result) },
        errors: kinds
          .filter((kind) => ERROR_KINDS[kind].rpcCode !== null)
          .map((kind) => ({ code: ERROR_KINDS[kind].rpcCode, message: describeErrorKind(kind) })),
      };
    }),
    components: { schemas: collector.schemas },
  };
}
