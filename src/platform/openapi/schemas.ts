import type { Type } from '@nestjs/common';
import { fieldsOf, FieldSpec, JsonSchema } from '../api/fields';
import type { ResultSpec } from '../api/api-method.types';

export const API_TITLE = 'Billing API';
export const API_VERSION = '1.0.0';

/** `#/components/schemas/<Name>` for result classes, collecting each class (and the classes it nests) once. */
export class SchemaCollector {
  readonly schemas: Record<string, JsonSchema> = {};

  resultSchema(spec: ResultSpec): JsonSchema {
    if (Array.isArray(spec)) return { type: 'array', items: this.ref(spec[0]) };
    if (typeof spec === 'function') return this.ref(spec);
    return spec;
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

export function objectSchema(fields: FieldSpec[]): JsonSchema {
  const required = fields.filter((field) => field.required).map((field) => field.name);
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((field) => [field.name, field.schema])),
    ...(required.length > 0 && { required }),
    additionalProperties: false,
  };
}

// No example: Swagger UI would fill it in for every "Try it out".
export const TZ_SCHEMA: JsonSchema = {
  type: 'string',
  description:
    'Time zone (IANA name, e.g. America/New_York) of the datetimes in and out of this call. Default: the caller\'s own time zone, else the server default.',
};

