import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import Decimal from '../money/decimal';
import { IANAZone } from 'luxon';
import type { Type } from '@nestjs/common';
import { RequestContexts } from '../context/request-context';
import { ExactNumber } from '../http/exact-number';
import { isIpOrCidr } from '../http/ip-addresses';
import { parseDateTime } from '../time/datetime';

/** A JSON Schema fragment, as it appears in the OpenAPI and OpenRPC documents. */
export type JsonSchema = Record<string, unknown>;

export interface FieldSpec {
  name: string;
  schema: JsonSchema;
  required: boolean;
  /** A class whose own fields describe this one (nested objects, arrays of objects). */
  nested?: Type<unknown>;
}

const FIELDS = Symbol('api:fields');

/** The declared fields of a params or result class, parents' first. */
export function fieldsOf(type: Type<unknown>): FieldSpec[] {
  return (Reflect.getMetadata(FIELDS, type) as FieldSpec[] | undefined) ?? [];
}

interface CommonOptions {
  description?: string;
  example?: unknown;
  /** May be left out; the class's initializer, if any, is the default. */
  optional?: boolean;
  /** May be sent as null (to clear a value). */
  nullable?: boolean;
  /** Documented default value. */
  default?: unknown;
}

function declare(options: CommonOptions, schema: JsonSchema, nested?: Type<unknown>): PropertyDecorator {
  return (target, property) => {
    const type = target.constructor as Type<unknown>;
    const own = fieldsOf(type).filter((field) => field.name !== property);
    own.push({ name: String(property), schema: document(schema, options), required: !options.optional, nested });
    Reflect.defineMetadata(FIELDS, own, type);
  };
}

/** The field's JSON Schema with its docs; nullable as JSON Schema says it (OpenAPI 3.1, OpenRPC). */
function document(schema: JsonSchema, options: CommonOptions): JsonSchema {
  let documented: JsonSchema = { ...schema };
  if (options.nullable) {
    documented =
      typeof schema.type === 'string' ? { ...schema, type: [schema.type, 'null'] } : { anyOf: [schema, { type: 'null' }] };
  }
  if (options.description) documented.description = options.description;
  if (options.example !== undefined) documented.example = options.example;
  if (options.default !== undefined) documented.default = options.default;
  return documented;
}

/** Optional fields may be absent; nullable fields may also be null. */
function presence(options: CommonOptions): PropertyDecorator[] {
  if (options.optional && options.nullable) return [IsOptional()];
  if (options.optional) return [ValidateIf((_, value) => value !== undefined)];
  if (options.nullable) return [ValidateIf((_, value) => value !== null), IsDefined({ message: 'is required' })];
  return [IsDefined({ message: 'is required' })];
}

function apply(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorator) => decorator(target, property));
}

/** Query strings carry text: "42" becomes 42 for integer fields, in REST and JSON-RPC alike. */
const toInteger = (value: unknown): unknown =>
  typeof value === 'string' && /^-?\d{1,16}$/.test(value.trim()) ? Number(value) : value;

const toBoolean = (value: unknown): unknown => {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
};

/** A list accepts an array, a single value, or a comma-separated string (REST query strings). */
const toList = (value: unknown): unknown => {
  if (value === undefined || value === null) return value;
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value.split(',').map((part) => part.trim()).filter((part) => part !== '');
  return [value];
};

export interface IntOptions extends CommonOptions {
  min?: number;
  max?: number;
}

export function IntField(options: IntOptions = {}): PropertyDecorator {
  const { min, max } = options;
  return apply(
    ...presence(options),
    Transform(({ value }) => toInteger(value)),
    IsInt({ message: 'must be an integer' }),
    ...(min !== undefined ? [Min(min, { message: `must not be less than ${min}` })] : []),
    ...(max !== undefined ? [Max(max, { message: `must not be greater than ${max}` })] : []),
    declare(options, { type: 'integer', ...(min !== undefined && { minimum: min }), ...(max !== undefined && { maximum: max }) }),
  );
}

/** Ids are 32-bit integer columns. */
export const MAX_ID = 2_147_483_647;

/** A positive integer identifier. */
export const IdField = (options: CommonOptions = {}): PropertyDecorator => IntField({ min: 1, max: MAX_ID, example: 1, ...options });

// PostgreSQL text cannot hold NUL, and SQLite's LIKE stops at it.
const NO_NUL = /^[^\u0000]*$/;
const NUL_MESSAGE = 'must not contain NUL characters';

export interface StringOptions extends CommonOptions {
  minLength?: number;
  maxLength: number;
  pattern?: RegExp;
  patternMessage?: string;
}

export function StringField(options: StringOptions): PropertyDecorator {
  const { minLength = 0, maxLength, pattern } = options;
  const tooShort = minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters long`;
  return apply(
    ...presence(options),
    IsString({ message: 'must be a string' }),
    Matches(NO_NUL, { message: NUL_MESSAGE }),
    ...(minLength > 0 ? [MinLength(minLength, { message: tooShort })] : []),
    MaxLength(maxLength, { message: `must be at most ${maxLength} characters long` }),
    ...(pattern ? [Matches(pattern, { message: options.patternMessage ?? `must match ${pattern.source}` })] : []),
    declare(options, {
      type: 'string',
      ...(minLength > 0 && { minLength }),
      maxLength,
      ...(pattern && { pattern: pattern.source }),
    }),
  );
}

export function EnumField(values: readonly string[], options: CommonOptions = {}): PropertyDecorator {
  return apply(
    ...presence(options),
    IsIn(values as string[], { message: `must be one of: ${values.join(', ')}` }),
    declare(options, { type: 'string', enum: [...values] }),
  );
}

export function BoolField(options: CommonOptions = {}): PropertyDecorator {
  return apply(
    ...presence(options),
    Transform(({ value }) => toBoolean(value)),
    IsBoolean({ message: 'must be true or false' }),
    declare(options, { type: 'boolean' }),
  );
}

const MAX_LIST = 1000;

/** A filter list of ids: `id=1&id=2`, `id[]=1`, `id=1,2` or `[1, 2]`. */
export function IdListField(options: CommonOptions = {}): PropertyDecorator {
  return apply(
    IsOptional(),
    Transform(({ value }) => {
      const list = toList(value);
      return Array.isArray(list) ? list.map(toInteger) : list;
    }),
    IsArray({ message: 'must be a list of ids' }),
    ArrayMaxSize(MAX_LIST, { message: `must hold at most ${MAX_LIST} ids` }),
    IsInt({ each: true, message: 'must be a list of integer ids' }),
    Min(1, { each: true, message: 'must be a list of positive ids' }),
    Max(MAX_ID, { each: true, message: `must be a list of ids up to ${MAX_ID}` }),
    declare({ ...options, optional: true }, { type: 'array', items: { type: 'integer', minimum: 1, maximum: MAX_ID } }),
  );
}

/** A filter list of allowed values, e.g. `status=active&status=blocked`. */
export function EnumListField(values: readonly string[], options: CommonOptions = {}): PropertyDecorator {
  return apply(
    IsOptional(),
    Transform(({ value }) => toList(value)),
    IsArray({ message: `must be a list of: ${values.join(', ')}` }),
    ArrayMaxSize(values.length, { message: `must hold at most ${values.length} values` }),
    IsIn(values as string[], { each: true, message: `must be a list of: ${values.join(', ')}` }),
    declare({ ...options, optional: true }, { type: 'array', items: { type: 'string', enum: [...values] } }),
  );
}

/** A list of strings, e.g. `order=-id,name`. */
export function StringListField(options: CommonOptions & { maxItems: number; maxLength: number }): PropertyDecorator {
  return apply(
    IsOptional(),
    Transform(({ value }) => toList(value)),
    IsArray({ message: 'must be a list of strings' }),
    ArrayMaxSize(options.maxItems, { message: `must hold at most ${options.maxItems} values` }),
    IsString({ each: true, message: 'must be a list of strings' }),
    Matches(NO_NUL, { each: true, message: NUL_MESSAGE }),
    Length(1, options.maxLength, { each: true, message: `each value must be 1 to ${options.maxLength} characters long` }),
    declare({ ...options, optional: true }, { type: 'array', items: { type: 'string', maxLength: options.maxLength } }),
  );
}

/**
 * Documents a result-only field (never validated: results are produced by the server).
 * `type` names a JSON type or a class whose fields describe a nested object.
 */
export function ResultField(
  schema: JsonSchema | Type<unknown>,
  options: CommonOptions & { array?: boolean } = {},
): PropertyDecorator {
  if (typeof schema === 'function') {
    const ref = { $ref: `#/components/schemas/${schema.name}` };
    return declare(options, options.array ? { type: 'array', items: ref } : ref, schema);
  }
  return declare(options, schema);
}

export function EmailField(options: CommonOptions = {}): PropertyDecorator {
  return apply(
    ...presence(options),
    IsEmail({}, { message: 'must be an e-mail address' }),
    MaxLength(255, { message: 'must be at most 255 characters long' }),
    declare(options, { type: 'string', format: 'email', maxLength: 255 }),
  );
}

/** An IANA time zone name, e.g. America/New_York. */
export function TimezoneField(options: CommonOptions = {}): PropertyDecorator {
  return apply(
    ...presence(options),
    ValidateBy({
      name: 'isTimezone',
      validator: { validate: (value) => typeof value === 'string' && IANAZone.isValidZone(value) },
    }, { message: 'must be an IANA time zone name such as America/New_York' }),
    declare(options, { type: 'string', example: 'America/New_York' }),
  );
}

/** IPv4/IPv6 addresses and CIDR ranges, e.g. ["10.0.0.0/8", "2001:db8::1"]. */
export function IpListField(options: CommonOptions = {}): PropertyDecorator {
  return apply(
    ...presence(options),
    IsArray({ message: 'must be a list of IP addresses or CIDR ranges' }),
    ArrayMaxSize(100, { message: 'must hold at most 100 entries' }),
    ValidateBy(
      { name: 'isIpOrCidr', validator: { validate: (value) => typeof value === 'string' && isIpOrCidr(value) } },
      { each: true, message: 'must be a list of IP addresses or CIDR ranges' },
    ),
    declare(options, { type: 'array', items: { type: 'string', example: '192.0.2.0/24' } }),
  );
}


const DATETIME_MESSAGE = 'must be a datetime such as 2026-11-25 09:30:00 or 2026-11-25T09:30:00-05:00';

/**
 * An instant. Without an offset it is read in the call's effective time zone (`__tz`, the
 * caller's, the default); with one (or Z) as written. Becomes a Date.
 */
export function DateTimeField(options: CommonOptions = {}): PropertyDecorator {
  return apply(
    ...presence(options),
    Transform(({ value }) =>
      typeof value === 'string' ? (parseDateTime(value, RequestContexts.current()?.timezone ?? 'UTC') ?? value) : value,
    ),
    IsDate({ message: DATETIME_MESSAGE }),
    declare(options, { type: 'string', format: 'date-time', example: '2026-11-25 09:30:00' }),
  );
}

export interface DecimalOptions extends CommonOptions {
  /** Digits before the point the column holds. */
  integerDigits: number;
  /** Digits after the point the column holds. */
  scale: number;
  min?: number;
  /** Greater than `min`, not equal. */
  exclusiveMin?: boolean;
  nonZero?: boolean;
}

/** Checks a decimal and answers its problem, if any. */
function decimalProblem(value: unknown, options: DecimalOptions): string | undefined {
  if (!(value instanceof Decimal)) return 'must be a decimal number, e.g. 10.25 or "10.25"';
  if (value.decimalPlaces() > options.scale) return `must have at most ${options.scale} decimal places`;
  if (value.abs().gte(new Decimal(10).pow(options.integerDigits))) {
    return `must be less than ${new Decimal(10).pow(options.integerDigits).toFixed()} in absolute value`;
  }
  if (options.min !== undefined) {
    if (options.exclusiveMin ? value.lte(options.min) : value.lt(options.min)) {
      return `must be ${options.exclusiveMin ? 'greater than' : 'at least'} ${options.min}`;
    }
  }
  if (options.nonZero && value.isZero()) return 'must not be zero';
  return undefined;
}

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** Money and rates: a JSON number or a numeric string, kept exact as a Decimal; never rounded silently. */
export function DecimalField(options: DecimalOptions): PropertyDecorator {
  return apply(
    ...presence(options),
    Transform(({ value }) => {
      if (value instanceof ExactNumber) return new Decimal(value.text);
      if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim())) return new Decimal(value.trim());
      // A JSON number that reached here as a float is exactly its shortest form (the body parser kept any other).
      if (typeof value === 'number' && Number.isFinite(value)) return new Decimal(value);
      return value;
    }),
    ValidateBy({
      name: 'isDecimal',
      validator: {
        validate: (value) => decimalProblem(value, options) === undefined,
        defaultMessage: (args) => decimalProblem(args?.value, options) ?? 'must be a decimal number',
      },
    }),
    declare(
      {
        ...options,
        description: `${options.description ? `${options.description}. ` : ''}Exact decimal: a JSON number or a numeric string (every digit is kept), at most ${options.scale} decimal places`,
      },
      {
        type: 'number',
          ...(options.min !== undefined && (options.exclusiveMin ? { exclusiveMinimum: options.min } : { minimum: options.min })),
      },
    ),
  );
}
