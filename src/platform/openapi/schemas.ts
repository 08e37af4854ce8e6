import type { Type } from '@nestjs/common';
import { DECIMALS_PARAM } from '../api/decimals-param';
import { fieldsOf, FieldSpec, JsonSchema } from '../api/fields';
import type { ResultSpec } from '../api/api-method.types';
import type { RegisteredMethod } from '../api/method-registry';
import type { ErrorKind } from '../errors/domain-error';
import { ERROR_KINDS } from '../errors/error-kinds';
import { TZ_PARAM } from '../time/time-zones';

export const API_TITLE = 'Billing API';
export const API_VERSION = '1.0.0';
export const API_LICENSE = { name: 'MIT', identifier: 'MIT' };

export { DECIMALS_PARAM };

/** `#/components/schemas/<Name>` for result classes, collecting each class (and the classes it nests) once. */
export class SchemaCollector {
  readonly schemas: Record<string, JsonSchema> = {};
  /** The JSON-RPC envelope: one call schema per method, the request and the response. */
  readonly rpcSchemas: Record<string, JsonSchema> = {};

  resultSchema(spec: ResultSpec): JsonSchema {
    if (Array.isArray(spec)) return { type: 'array', items: this.ref(spec[0]) };
    if (typeof spec === 'function') return this.ref(spec);
    return spec;
  }

  /** `JsonRpcRequest`: one of the methods' calls, told apart by `method`; each call's `params` are the method's. */
  rpcRequest(methods: RegisteredMethod[]): JsonSchema {
    const mapping: Record<string, string> = {};
    for (const method of methods) {
      const name = `JsonRpcRequest.${method.options.rpc}`;
      const fields = method.paramsType ? fieldsOf(method.paramsType) : [];
      const required = fields.some((field) => field.required);
      this.rpcSchemas[name] = {
        type: 'object',
        description: method.options.summary,
        required: ['jsonrpc', 'method', ...(required ? ['params'] : [])],
        properties: {
          jsonrpc: { const: '2.0' },
          id: RPC_ID,
          method: { const: method.options.rpc },
          params: paramsSchema(fields),
        },
        additionalProperties: false,
      };
      mapping[method.options.rpc] = `#/components/schemas/${name}`;
    }
    this.rpcSchemas.JsonRpcRequest = {
      description: 'A call of one of the methods; `params` are the same fields as the REST route, path parameters included',
      oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
      discriminator: { propertyName: 'method', mapping },
    };
    this.rpcSchemas.JsonRpcSuccess = RPC_SUCCESS;
    this.rpcSchemas.JsonRpcError = RPC_ERROR;
    this.rpcSchemas.JsonRpcResponse = {
      description: 'The answer to one call: its result, or its error',
      oneOf: [{ $ref: '#/components/schemas/JsonRpcSuccess' }, { $ref: '#/components/schemas/JsonRpcError' }],
    };
    return { $ref: '#/components/schemas/JsonRpcRequest' };
  }

  private ref(type: Type<unknown>): JsonSchema {
    if (!this.schemas[type.name]) {
      this.schemas[type.name] = {}; // placeholder: guards against self-reference
      this.schemas[type.name] = objectSchema(fieldsOf(type));
      for (const field of fieldsOf(type)) if (field.nested) this.ref(field.nested);
    }
    return { $ref: `#/components/schemas/${type.name}` };
  }
}

const RPC_ID = { type: ['string', 'number', 'null'], description: 'Leave out for a notification (never answered)' };

const RPC_SUCCESS: JsonSchema = {
  type: 'object',
  required: ['jsonrpc', 'id', 'result'],
  properties: {
    jsonrpc: { const: '2.0' },
    id: { type: ['string', 'number', 'null'] },
    result: { description: "The method's result, as its REST route answers it (see the method in the OpenRPC document, rpc.discover)" },
    meta: {
      type: 'object',
      description: 'Search calls only: whether rows exist past this page, and the offset of the next one (null when none)',
      required: ['has_more', 'next_offset'],
      properties: { has_more: { type: 'boolean' }, next_offset: { type: ['integer', 'null'], minimum: 0 } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const RPC_ERROR: JsonSchema = {
  type: 'object',
  required: ['jsonrpc', 'id', 'error'],
  properties: {
    jsonrpc: { const: '2.0' },
    id: { type: ['string', 'number', 'null'], description: 'null when the request could not be read' },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'integer' },
        message: { type: 'string' },
        data: { type: 'object', additionalProperties: true, description: 'The same `data` as the REST error' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

export function objectSchema(fields: FieldSpec[]): JsonSchema {
  const required = fields.filter((field) => field.required).map((field) => field.name);
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((field) => [field.name, field.member ?? field.schema])),
    ...(required.length > 0 && { required }),
    additionalProperties: false,
  };
}

/** A call's params as one object (a REST body, JSON-RPC `params`): its fields, plus `__tz` and `__decimals`. */
export function paramsSchema(fields: FieldSpec[]): JsonSchema {
  const schema = objectSchema(fields);
  return {
    ...schema,
    properties: {
      ...(schema.properties as JsonSchema),
      [TZ_PARAM]: { $ref: '#/components/schemas/TimeZone' },
      [DECIMALS_PARAM]: { $ref: '#/components/schemas/Decimals' },
    },
  };
}

// No example: Swagger UI would fill it in for every "Try it out".
export const TZ_SCHEMA: JsonSchema = {
  type: 'string',
  description:
    "Time zone (IANA name, e.g. America/New_York) of the datetimes in and out of this call. Default: the caller's own time zone, else the server default.",
};

export const DECIMALS_SCHEMA: JsonSchema = {
  type: 'string',
  enum: ['number', 'string'],
  // No `default`: Swagger UI would send it with every "Try it out".
  description:
    'How the result writes exact decimals (money, rates): `number` (the default) as JSON numbers with every digit, `string` as JSON strings ("123456789012.12345678") that no JSON parser rounds.',
};

export const IDEMPOTENCY_KEY_SCHEMA: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x20-\\x7E]+$',
  description:
    "1 to 255 printable ASCII characters, unique per intended operation (e.g. a UUID). A retry with the same key and the same request replays the first answer (`Idempotent-Replayed: true`) instead of acting twice; the same key with another request is refused (422 `idempotency-key-reused`). Kept 24 hours, per user.",
};

/** A search (`*.search`): a list result, paged. */
export function isSearch(method: RegisteredMethod): boolean {
  return Array.isArray(method.options.result);
}

/** Creates and POST actions take Idempotency-Key; searches and gets do not, nor the JWT exchange. */
export function isIdempotent(method: RegisteredMethod): boolean {
  return method.verb === 'POST' && !method.options.rpc.startsWith('iam.auth.jwt.');
}

/** The `error` member of a typical answer of that kind. */
export function errorExample(kind: ErrorKind): JsonSchema {
  return ERROR_KINDS[kind].example ?? { message: ERROR_KINDS[kind].description };
}

/** A value valid against the schema, built from its examples (else the simplest valid value), for method examples. */
export function sampleOf(schema: JsonSchema, schemas: Record<string, JsonSchema>): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (typeof schema.$ref === 'string') return sampleOf(schemas[schema.$ref.split('/').pop()!], schemas);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.anyOf)) return sampleOf(schema.anyOf[0] as JsonSchema, schemas);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.includes('null')) return null;
  switch (types[0]) {
    case 'object':
      return Object.fromEntries(
        Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).map(([name, property]) => [name, sampleOf(property, schemas)]),
      );
    case 'array':
      return [sampleOf(schema.items as JsonSchema, schemas)];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return '2026-11-25T09:30:00+00:00';
      if (schema.format === 'email') return 'user@example.com';
      return 'text';
    default:
      return null;
  }
}
