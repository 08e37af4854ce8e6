import { fieldsOf, JsonSchema } from '../api/fields';
import type { RegisteredMethod } from '../api/method-registry';
import { TZ_PARAM } from '../time/time-zones';
import { API_TITLE, API_VERSION, ERROR_CODES, SchemaCollector, TZ_SCHEMA } from './schemas';
import { tagOf } from './openapi';

const RPC_CODES: Record<string, number> = {
  validation: -32602,
  authentication: -32005,
  not_found: -32004,
  business: -32000,
  too_many_requests: -32029,
  internal: -32603,
};

/** OpenRPC 1.3 of every declared method, from the same declarations as the OpenAPI document. */
export function buildOpenRpc(methods: RegisteredMethod[]): JsonSchema {
  const collector = new SchemaCollector();
  return {
    openrpc: '1.3.2',
    info: { title: API_TITLE, version: API_VERSION },
    servers: [{ name: 'JSON-RPC 2.0 over HTTP POST', url: '/' }],
    methods: methods.map((method) => {
      const { options } = method;
      const kinds = [...new Set(['validation', ...(options.public ? [] : ['authentication']), ...(options.errors ?? [])])];
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
          .filter((kind) => kind in RPC_CODES)
          .map((kind) => ({ code: RPC_CODES[kind], message: ERROR_CODES[kind as keyof typeof ERROR_CODES] })),
      };
    }),
    components: { schemas: collector.schemas },
  };
}
