import Decimal from '../money/decimal';
import { IANAZone } from 'luxon';
import type { Type } from '@nestjs/common';
import { RequestContexts } from '../context/request-context';
import { ExactNumber } from '../http/exact-number';
import { isIpOrCidr } from '../http/ip-addresses';
import { DATETIME_BODY, parseDateTime } from '../time/datetime';
import { Constraint, Converter, Presence, presence, Problem, rules, transformBy } from './rules';

/** A JSON Schema fragment, as it appears in the OpenAPI and OpenRPC documents. */
export type JsonSchema = Record<string, unknown>;

export interface FieldSpec {
  name: string;
  schema: JsonSchema;
  required: boolean;
  /** A class whose own fields describe this one (nested objects, arrays of objects). */
  nested?: Type<unknown>;
  /**
   * The schema as a member of a JSON object (a REST body, JSON-RPC params), when it takes more
   * forms there than in a query string: a filter list also takes one value or a comma-separated string.
   */
  member?: JsonSchema;
  /** A params field's validation as plain functions (see compiled-validation.ts); result fields have none. */
  check?: FieldCheck;
}

/** The class-validator decorators a field decorator applied, compiled: checked in this order, the first problem wins. */
export interface FieldCheck {
  /** The class the decorator is on. */
  owner: Type<unknown>;
  skipUndefined: boolean;
  skipNull: boolean;
  /** IsDefined: undefined and null, when not skipped, are refused as required. */
  defined: boolean;
  convert?: Converter;
  /** Undefined when one of the field's rules cannot be compiled exactly. */
  problems?: Problem[];
  /** How many class-validator decorators were applied (presence and constraints), to tell them from any other. */
  decorators: number;
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

function declare(
  options: CommonOptions,
  schema: JsonSchema,
  nested?: Type<unknown>,
  check?: Omit<FieldCheck, 'owner'>,
  member?: JsonSchema,
): PropertyDecorator {
  return (target, property) => {
    const type = target.constructor as Type<unknown>;
    const own = fieldsOf(type).filter((field) => field.name !== property);
    own.push({
      name: String(property),
      schema: document(schema, options),
      required: !options.optional,
      nested,
      ...(member && { member: document(member, options) }),
      ...(check && { check: { ...check, owner: type } }),
    });
    Reflect.defineMetadata(FIELDS, own, type);
  };
}

/** The field's JSON Schema with its docs; nullable as JSON Schema says it (OpenAPI 3.1, OpenRPC). */
function document(schema: JsonSchema, options: CommonOptions): JsonSchema {
  let documented: JsonSchema = { ...schema };
  if (options.nullable) {
    if (typeof schema.type === 'string') documented = { ...schema, type: [schema.type, 'null'] };
    else if (Array.isArray(schema.type)) documented = { ...schema, type: [...(schema.type as string[]), 'null'] };
    else if (Array.isArray(schema.anyOf)) documented = { ...schema, anyOf: [...(schema.anyOf as JsonSchema[]), { type: 'null' }] };
    else documented = { anyOf: [schema, { type: 'null' }] };
  }
  if (options.description) documented.description = options.description;
  if (options.example !== undefined) documented.example = options.example;
  if (options.default !== undefined) documented.default = options.default;
  return documented;
}

function apply(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorator) => decorator(target, property));
}

interface Validation {
  presence: Presence;
  convert?: Converter;
  constraints: Constraint[];
}

/** A params field: its class-validator and class-transformer decorators, and the same rules compiled beside its docs. */
function field(options: CommonOptions, { presence, convert, constraints }: Validation, schema: JsonSchema, member?: JsonSchema): PropertyDecorator {
  const problems = constraints.map((constraint) => constraint.problem);
  const { skipUndefined, skipNull, defined } = presence;
  return apply(
    ...presence.decorators,
    ...(convert ? [transformBy(convert)] : []),
    ...constraints.map((constraint) => constraint.decorator),
    declare(options, schema, undefined, {
      skipUndefined,
      skipNull,
      defined,
      convert,
      problems: problems.every((problem) => problem !== undefined) ? problems : undefined,
      decorators: presence.decorators.length + constraints.length,
    }, member),
  );
}

/**
 * A filter list as a member of a JSON object: a list, one value, a comma-separated string, or
 * null (no filter), as toList reads it.
 */
function filterList(items: JsonSchema): JsonSchema {
  return {
    anyOf: [
      { type: 'array', items },
      items,
      { type: 'string', description: 'Comma-separated values' },
      { type: 'null' },
    ],
  };
}

const presenceOf = (options: CommonOptions) => presence(options.optional, options.nullable);

/** Filter lists: absent and null alike mean no filter. */
const LIST_PRESENCE = () => presence(true, true);

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

const toIdList = (value: unknown): unknown => {
  const list = toList(value);
  return Array.isArray(list) ? list.map(toInteger) : list;
};

export interface IntOptions extends CommonOptions {
  min?: number;
  max?: number;
}

export function IntField(options: IntOptions = {}): PropertyDecorator {
  const { min, max } = options;
  return field(
    options,
    {
      presence: presenceOf(options),
      convert: toInteger,
      constraints: [
        rules.int('must be an integer'),
        ...(min !== undefined ? [rules.min(min, `must not be less than ${min}`)] : []),
        ...(max !== undefined ? [rules.max(max, `must not be greater than ${max}`)] : []),
      ],
    },
    { type: 'integer', ...(min !== undefined && { minimum: min }), ...(max !== undefined && { maximum: max }) },
    lenientInteger({ type: 'integer', ...(min !== undefined && { minimum: min }), ...(max !== undefined && { maximum: max }) }),
  );
}

/** What toInteger reads as text (a query string's, or a JSON string): `"42"` is 42. */
const INTEGER_TEXT: JsonSchema = { type: 'string', pattern: '^\\s*-?\\d{1,16}\\s*$', description: 'The integer as text' };

/** An integer as a member of a JSON object: a JSON integer, or its text (toInteger reads both). */
const lenientInteger = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, INTEGER_TEXT] });

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
  return field(
    options,
    {
      presence: presenceOf(options),
      constraints: [
        rules.string('must be a string'),
        rules.matches(NO_NUL, NUL_MESSAGE),
        ...(minLength > 0 ? [rules.minLength(minLength, tooShort)] : []),
        rules.maxLength(maxLength, `must be at most ${maxLength} characters long`),
        ...(pattern ? [rules.matches(pattern, options.patternMessage ?? `must match ${pattern.source}`)] : []),
      ],
    },
    {
      type: 'string',
      ...(minLength > 0 && { minLength }),
      maxLength,
      ...(pattern && { pattern: pattern.source }),
    },
  );
}

export function EnumField(values: readonly string[], options: CommonOptions = {}): PropertyDecorator {
  return field(
    options,
    { presence: presenceOf(options), constraints: [rules.in(values, `must be one of: ${values.join(', ')}`)] },
    { type: 'string', enum: [...values] },
  );
}

export function BoolField(options: CommonOptions = {}): PropertyDecorator {
  return field(
    options,
    { presence: presenceOf(options), convert: toBoolean, constraints: [rules.boolean('must be true or false')] },
    { type: 'boolean' },
    { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false', '1', '0'], description: 'The boolean as text' }] },
  );
}

const MAX_LIST = 1000;

/** A filter list of ids: `id=1&id=2`, `id[]=1`, `id=1,2` or `[1, 2]`. */
export function IdListField(options: CommonOptions = {}): PropertyDecorator {
  return field(
    { ...options, optional: true },
    {
      presence: LIST_PRESENCE(),
      convert: toIdList,
      constraints: [
        rules.array('must be a list of ids'),
        rules.arrayMaxSize(MAX_LIST, `must hold at most ${MAX_LIST} ids`),
        rules.int('must be a list of integer ids', true),
        rules.min(1, 'must be a list of positive ids', true),
        rules.max(MAX_ID, `must be a list of ids up to ${MAX_ID}`, true),
      ],
    },
    { type: 'array', items: { type: 'integer', minimum: 1, maximum: MAX_ID } },
    filterList(lenientInteger({ type: 'integer', minimum: 1, maximum: MAX_ID })),
  );
}

/** A filter list of allowed values, e.g. `status=active&status=blocked`. */
export function EnumListField(values: readonly string[], options: CommonOptions = {}): PropertyDecorator {
  const message = `must be a list of: ${values.join(', ')}`;
  return field(
    { ...options, optional: true },
    {
      presence: LIST_PRESENCE(),
      convert: toList,
      constraints: [
        rules.array(message),
        rules.arrayMaxSize(values.length, `must hold at most ${values.length} values`),
        rules.in(values, message, true),
      ],
    },
    { type: 'array', items: { type: 'string', enum: [...values] } },
    filterList({ type: 'string', enum: [...values] }),
  );
}

/** A list of strings, e.g. `order=-id,name`. */
export function StringListField(options: CommonOptions & { maxItems: number; maxLength: number }): PropertyDecorator {
  return field(
    { ...options, optional: true },
    {
      presence: LIST_PRESENCE(),
      convert: toList,
      constraints: [
        rules.array('must be a list of strings'),
        rules.arrayMaxSize(options.maxItems, `must hold at most ${options.maxItems} values`),
        rules.string('must be a list of strings', true),
        rules.matches(NO_NUL, NUL_MESSAGE, true),
        rules.length(1, options.maxLength, `each value must be 1 to ${options.maxLength} characters long`, true),
      ],
    },
    { type: 'array', items: { type: 'string', maxLength: options.maxLength } },
    filterList({ type: 'string', maxLength: options.maxLength }),
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
  return field(
    options,
    {
      presence: presenceOf(options),
      constraints: [rules.email('must be an e-mail address'), rules.maxLength(255, 'must be at most 255 characters long')],
    },
    { type: 'string', format: 'email', maxLength: 255 },
  );
}

/** An IANA time zone name, e.g. America/New_York. */
export function TimezoneField(options: CommonOptions = {}): PropertyDecorator {
  return field(
    options,
    {
      presence: presenceOf(options),
      constraints: [
        rules.custom(
          'isTimezone',
          (value) => typeof value === 'string' && IANAZone.isValidZone(value),
          'must be an IANA time zone name such as America/New_York',
        ),
      ],
    },
    { type: 'string', example: 'America/New_York' },
  );
}

/** IPv4/IPv6 addresses and CIDR ranges, e.g. ["10.0.0.0/8", "2001:db8::1"]. */
export function IpListField(options: CommonOptions = {}): PropertyDecorator {
  const message = 'must be a list of IP addresses or CIDR ranges';
  return field(
    options,
    {
      presence: presenceOf(options),
      constraints: [
        rules.array(message),
        rules.arrayMaxSize(100, 'must hold at most 100 entries'),
        rules.custom('isIpOrCidr', (value) => typeof value === 'string' && isIpOrCidr(value), message, true),
      ],
    },
    { type: 'array', items: { type: 'string', example: '192.0.2.0/24' } },
  );
}

const DATETIME_MESSAGE = 'must be a datetime such as 2026-11-25 09:30:00 or 2026-11-25T09:30:00-05:00';

/** What parseDateTime reads (surrounding blanks are trimmed), as a JSON Schema pattern. */
export const DATETIME_INPUT_PATTERN = `^\\s*${DATETIME_BODY}\\s*$`;

const DATETIME_TEXT =
  'ISO 8601 with an offset or Z (2026-11-25T09:30:00-05:00), or a local datetime read in the effective time zone (`__tz`): ' +
  '2026-11-25 09:30:00, 2026-11-25T09:30:00, or a date alone for its midnight (2026-11-25)';

const toDateTime = (value: unknown): unknown =>
  typeof value === 'string' ? (parseDateTime(value, RequestContexts.current()?.timezone ?? 'UTC') ?? value) : value;

/**
 * An instant. Without an offset it is read in the call's effective time zone (`__tz`, the
 * caller's, the default); with one (or Z) as written. Becomes a Date.
 */
export function DateTimeField(options: CommonOptions = {}): PropertyDecorator {
  return field(
    {
      example: '2026-11-25 09:30:00',
      ...options,
      description: `${options.description ? `${options.description}. ` : ''}${DATETIME_TEXT}`,
    },
    { presence: presenceOf(options), convert: toDateTime, constraints: [rules.date(DATETIME_MESSAGE)] },
    // Not `format: date-time`: that is RFC 3339 with an offset, and local forms are accepted too.
    { type: 'string', pattern: DATETIME_INPUT_PATTERN },
  );
}

/** A datetime the server writes: ISO 8601 with the offset of the effective time zone (RFC 3339). */
export const DATETIME_RESULT: JsonSchema = { type: 'string', format: 'date-time' };

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

/** Checks a decimal and answers its problem, if any. (Its messages hold no `$`: see rules.described.) */
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

/** The decimal strings toDecimal reads (surrounding blanks are trimmed), as a JSON Schema pattern. */
export const DECIMAL_INPUT_PATTERN = '^\\s*[+-]?(\\d+(\\.\\d*)?|\\.\\d+)\\s*$';

/** A decimal the server writes as a string (`__decimals=string`): every digit, no exponent. */
export const DECIMAL_OUTPUT_PATTERN = '^-?\\d+(\\.\\d+)?$';

const toDecimal = (value: unknown): unknown => {
  if (value instanceof ExactNumber) return new Decimal(value.text);
  if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim())) return new Decimal(value.trim());
  // A JSON number that reached here as a float is exactly its shortest form (the body parser kept any other).
  if (typeof value === 'number' && Number.isFinite(value)) return new Decimal(value);
  return value;
};

/** Money and rates: a JSON number or a numeric string, kept exact as a Decimal; never rounded silently. */
export function DecimalField(options: DecimalOptions): PropertyDecorator {
  return field(
    {
      ...options,
      description: `${options.description ? `${options.description}. ` : ''}Exact decimal: a JSON number or a decimal string such as "25.50" (every digit is kept), at most ${options.scale} decimal places`,
    },
    {
      presence: presenceOf(options),
      convert: toDecimal,
      constraints: [rules.described('isDecimal', (value) => decimalProblem(value, options), 'must be a decimal number')],
    },
    {
      type: ['string', 'number'],
      pattern: DECIMAL_INPUT_PATTERN,
      ...(options.min !== undefined && (options.exclusiveMin ? { exclusiveMinimum: options.min } : { minimum: options.min })),
    },
  );
}

/**
 * A decimal in a result: a JSON number with every digit by default, a JSON string with
 * `__decimals=string` (SPEC §4b).
 */
export function DecimalResultField(options: CommonOptions = {}): PropertyDecorator {
  return ResultField(
    { type: ['number', 'string'], pattern: DECIMAL_OUTPUT_PATTERN },
    {
      ...options,
      description: `${options.description ? `${options.description}. ` : ''}Exact decimal: a JSON number with every digit, or a string ("123456789012.12345678") when the call passes \`__decimals=string\``,
    },
  );
}
