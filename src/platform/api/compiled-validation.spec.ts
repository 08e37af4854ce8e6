import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { Exclude, Transform } from 'class-transformer';
import { Min } from 'class-validator';
import fc from 'fast-check';
import { AppModule } from '../../app.module';
import type { AppConfig } from '../../config/config';
import { CreateTransactionParams, SearchTransactionsParams } from '../../modules/accounting/transactions/dto/transaction.dto';
import { CreateClientParams, SearchClientsParams, UpdateClientParams } from '../../modules/clients/dto/client.dto';
import { RequestContexts } from '../context/request-context';
import { ValidationFailed } from '../errors/domain-error';
import { ExactNumber } from '../http/exact-number';
import { API_METHOD } from './api-method.types';
import { IdParams } from './common-params';
import { compiledValidatorOf } from './compiled-validation';
import { FieldSpec, fieldsOf, IntField, JsonSchema, StringField } from './fields';
import { RawParams, validateParams, validateParamsByReference } from './validate-params';

/**
 * The compiled validators against the reference pipeline (class-transformer, then class-validator),
 * for every params class the app's controllers take: many generated raw params each (valid values,
 * boundaries, wrong types, lists, datetimes in many zones), the same outcome expected from both:
 * the same instance (class, own keys in order, values and their types) or the same problems (keys
 * in order, messages). FC_SEED and FC_RUNS (runs per class) may be set; a failure names the class and seed.
 */

const SEED = Number(process.env.FC_SEED ?? 20260601);
const RUNS = Number(process.env.FC_RUNS ?? 300);

// ---------------------------------------------------------------------------------------------
// The params classes of the app, found as MethodRegistry finds them: @ApiMethod handlers of every controller

type ModuleEntry = Type<unknown> | { module: Type<unknown>; imports?: ModuleEntry[]; controllers?: Type<unknown>[] };

function controllersOf(root: ModuleEntry): Set<Type<unknown>> {
  const controllers = new Set<Type<unknown>>();
  const seen = new Set<unknown>();
  const visit = (entry: ModuleEntry | undefined) => {
    if (!entry || seen.has(entry)) return;
    seen.add(entry);
    const dynamic = typeof entry === 'function' ? undefined : entry;
    const module = dynamic ? dynamic.module : (entry as Type<unknown>);
    const metadata = (key: string) => (Reflect.getMetadata(key, module) as unknown[] | undefined) ?? [];
    for (const controller of [...metadata('controllers'), ...(dynamic?.controllers ?? [])]) controllers.add(controller as Type<unknown>);
    for (const imported of [...metadata('imports'), ...(dynamic?.imports ?? [])]) visit(imported as ModuleEntry);
  };
  visit(root);
  return controllers;
}

function paramsClassesOfApp(): Type<object>[] {
  const classes = new Set<Type<object>>();
  for (const controller of controllersOf(AppModule.forRoot({} as AppConfig) as ModuleEntry)) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name === 'constructor' || !Reflect.getMetadata(API_METHOD, prototype[name] as object)) continue;
      const [params] = (Reflect.getMetadata('design:paramtypes', prototype, name) as Type<object>[] | undefined) ?? [];
      if (params) classes.add(params);
    }
  }
  return [...classes].sort((a, b) => a.name.localeCompare(b.name));
}

const PARAMS_CLASSES = paramsClassesOfApp();

// ---------------------------------------------------------------------------------------------
// Raw values: per field, from its declared JSON Schema, and wild ones for any field

const exact = (text: string) => new ExactNumber(text);

/** Whatever JSON or a query string may carry into any field, and a few values only a bug would send. */
const WILD: unknown[] = [
  null, true, false, 'true', 'false', '1', '0', 'TRUE', 'yes', '', ' ', '  42 ', '42', '-0', '0042', '1e3', '0x10', '+7', '4.0',
  0, -0, 1, -1, 1.5, -2.25, 2147483647, 2147483648, -2147483648, 9007199254740991, 9007199254740992, 1e21, Number.MAX_VALUE, 5e-324,
  exact('1.0000000000000001'), exact('12345678901234567890'), exact('1e400'), exact('-1e-400'), exact('9007199254740993'), exact('2e3'),
  '1234567890123456', '12345678901234567', ' 1234567890123456 ', '9007199254740993',
  'a\u0000b', '\u0000', 'é', 'ÉCOLE', '😀', '\ufe0f', 'a\ufe0fb', 'x'.repeat(256), '😀'.repeat(255), '\ud800', ['\udfff'],
  '2026-11-25 09:30:00', '2026-11-25T09:30:00-05:00', 'America/New_York', 'active', 'payment', 'noc@acme.example', '10.0.0.0/8',
  '1,2,3', ' , ,', 'active,blocked', [], [1, 2], ['1', ' 2 '], [null], [true], ['a', 'b'], [exact('1e400')], [[1]], [{}],
  {}, { a: 1 },
];

// undefined apart: no transport sends it, but plainToInstance sets it over an initializer (limit, offset), and so must the compiled path.
const wild = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...WILD) }, fc.constant(undefined));

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** Integers as numbers and as text, around the bounds. */
function integers(minimum = -1e6, maximum = 1e6): fc.Arbitrary<unknown> {
  const near = (bound: number) => fc.integer({ min: -3, max: 3 }).map((delta) => bound + delta);
  const number = fc.oneof(near(minimum), near(maximum), fc.integer({ min: Math.max(minimum, -2e9), max: Math.min(maximum, 2e9) }), fc.integer());
  return fc.oneof(
    { weight: 3, arbitrary: number },
    number.map(String),
    fc.tuple(number, fc.constantFrom(' ', '  ', '\t', '')).map(([value, pad]) => `${pad}${value}${pad}`),
    number.map((value) => `${value}.0`),
    fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
    fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map((value) => exact(String(value))),
    digits(15, 18),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
}

/** Decimals as JSON numbers, exact numbers and text, up to and past the columns' digits. */
const decimalText = fc
  .tuple(fc.constantFrom('', '-', '+'), digits(0, 14), fc.constantFrom('.', ''), digits(0, 12))
  .map(([sign, whole, point, fraction]) => `${sign}${whole}${point}${fraction}`);
const decimals: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: decimalText },
  decimalText.map(exact),
  decimalText.map((text) => ` ${text} `),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e13, max: 1e13 }),
  fc.integer(),
  fc.constantFrom(0, -0, '0', '-0', '0.00000000', '999999999999.99999999', '1000000000000', '0.0000000001', '9999999999.9999999999', '.5', '5.', '1e5'),
  fc.constantFrom(exact('0.00000001'), exact('1e-8'), exact('1E12'), exact('999999999999.999999999'), exact('-0.0')),
);

const strings = (minLength: number, maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength: maxLength + 2 }),
    fc.string({ unit: 'grapheme', maxLength: Math.min(maxLength + 2, 40) }),
    fc.string({ unit: 'binary', maxLength: Math.min(maxLength + 2, 40) }),
    fc.constantFrom(0, 1, 2).chain((extra) =>
      fc.constantFrom('a', '😀', 'é', ' ', '\u0000', 'a\ufe0f').map((unit) => unit.repeat(Math.max(0, maxLength - 1 + extra))),
    ),
    fc.constantFrom('a'.repeat(Math.max(0, minLength - 1)), 'a'.repeat(minLength), ''),
  );

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Pacific/Kiritimati', 'America/St_Johns', 'Etc/GMT+12', 'europe/berlin'];

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Datetimes as the API reads them, valid and not: dates alone, fractions, offsets, DST gaps and overlaps, the years' edges. */
const datetimes: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 998, max: 10000 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.constantFrom('', 'T', ' ', 't'),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom('', ':00', ':59', ':60', ':07.5', ':07.123456', ':07.1234567'),
        fc.constantFrom('', 'Z', 'z', '+00:00', '-05:00', '+0530', '+14:00', '-14:00', '+15:00', '+05:60', '+5:00'),
      )
      .map(([year, month, day, separator, hour, minute, second, offset]) =>
        separator === ''
          ? `${pad(year, 4)}-${pad(month)}-${pad(day)}${offset}`
          : `${pad(year, 4)}-${pad(month)}-${pad(day)}${separator}${pad(hour)}:${pad(minute)}${second}${offset}`,
      ),
  },
  fc.date({ min: new Date('0990-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    '2026-03-08 02:30:00', '2026-11-01 01:30:00', '2026-03-29 02:30', '2026-10-25 02:30', '2026-04-05 02:15', '2026-10-04 02:00',
    '2024-02-29', '2026-02-29', '2026-02-30', '2026-04-31', '1000-01-01', '1000-01-02', '1000-01-01T14:00:00+14:00',
    '9998-12-30', '9998-12-31', '9998-12-30T23:59:59.999Z', ' 2026-11-25 ', '2026-11-25 09:30:00 ', '2026-11-25T09:30', 'now', '20261125',
  ),
  fc.integer(),
);

const emails: fc.Arbitrary<unknown> = fc.oneof(
  fc.emailAddress(),
  fc.emailAddress().map((email) => email.toUpperCase()),
  fc.constantFrom('a@b', 'a@b.co', `${'x'.repeat(243)}@example.com`, `${'x'.repeat(244)}@example.com`, 'a b@example.com', 'ä@example.com', 'a@example.com\u0000', ' a@example.com'),
  fc.string(),
);

const timezones: fc.Arbitrary<unknown> = fc.constantFrom(...ZONES, 'utc', 'Mars/Olympus', 'America/New York', 'Etc/GMT+14', '+05:00', '', 'EST5EDT', 'Europe/Kyiv');

const ips: fc.Arbitrary<unknown> = fc.constantFrom('10.0.0.0/8', '192.0.2.1', '2001:db8::1', '2001:db8::/32', '::1', '256.1.1.1', '10.0.0.0/33', '::1/129', 'fe80::1%eth0', '', ' 10.0.0.1');

/** Lists as an array, a single value, a comma-separated string (spaces and empty parts included), and past their size. */
function lists(item: fc.Arbitrary<unknown>, maxItems: number): fc.Arbitrary<unknown> {
  const many = (count: number) => fc.array(item, { minLength: count, maxLength: count });
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(item, { maxLength: 6 }) },
    fc.array(item, { maxLength: 6 }).map((items) => items.map(String).join(',')),
    fc.array(item, { maxLength: 6 }).map((items) => items.map((text) => ` ${String(text)} `).join(', ,')),
    item,
    many(maxItems),
    many(maxItems + 1),
  );
}

const sample = (schema: JsonSchema) => (schema.enum as string[] | undefined) ?? [];

/** The field's JSON Schema without its null alternative. */
function baseSchema(field: FieldSpec): JsonSchema {
  const { schema } = field;
  if (Array.isArray(schema.type)) return { ...schema, type: (schema.type as string[]).find((type) => type !== 'null') };
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).find((option) => option.type !== 'null') ?? {};
  return schema;
}

/** Values built from a field's declaration. */
function valuesFor(field: FieldSpec): fc.Arbitrary<unknown> {
  const schema = baseSchema(field);
  const items = (schema.items ?? {}) as JsonSchema;
  const enumValues = (values: string[]) =>
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, fc.constantFrom(...values).map((value) => value.toUpperCase()), fc.constantFrom(...values).map((value) => ` ${value}`));
  switch (schema.type) {
    case 'integer':
      return integers(schema.minimum as number | undefined, schema.maximum as number | undefined);
    case 'number':
      return decimals;
    case 'boolean':
      return fc.constantFrom(true, false, 'true', 'false', '1', '0', 1, 0, 'TRUE', ' true', 'yes');
    case 'array':
      if (items.type === 'integer') return lists(integers(1, 2147483647), 1000);
      if (items.enum) return lists(enumValues(sample(items)), sample(items).length);
      if (items.example === '192.0.2.0/24') return lists(ips, 100);
      return lists(strings(1, (items.maxLength as number | undefined) ?? 64), 10);
    case 'string':
      if (schema.enum) return enumValues(sample(schema));
      if (schema.format === 'email') return emails;
      if (schema.format === 'date-time') return datetimes;
      if (schema.maxLength === undefined) return timezones;
      return fc.oneof(
        { weight: 3, arbitrary: strings((schema.minLength as number | undefined) ?? 0, schema.maxLength as number) },
        ...(schema.pattern ? [fc.stringMatching(new RegExp(schema.pattern as string))] : []),
      );
    default:
      throw new Error(`No values for field ${field.name} of schema ${JSON.stringify(field.schema)}`);
  }
}

const VALID_ZONES = ZONES;
const VALID_IPS = ['10.0.0.0/8', '192.0.2.1', '2001:db8::1', '2001:db8::/32', '::1'];

/** Values a field accepts (mostly: a few, such as long graphemes, may still be refused), as JSON or a query string sends them. */
function validValuesFor(field: FieldSpec): fc.Arbitrary<unknown> {
  const schema = baseSchema(field);
  const items = (schema.items ?? {}) as JsonSchema;
  const asText = <T>(values: fc.Arbitrary<T>) => fc.oneof({ weight: 2, arbitrary: values }, values.map((value) => String(value)));
  const commaSeparated = (values: fc.Arbitrary<unknown[]>) => fc.oneof({ weight: 2, arbitrary: values }, values.map((list) => list.join(',')));
  const ids = fc.oneof(fc.integer({ min: 1, max: 2147483647 }), fc.constantFrom(1, 2147483647));
  switch (schema.type) {
    case 'integer': {
      const [min, max] = [(schema.minimum as number | undefined) ?? -1e9, (schema.maximum as number | undefined) ?? 1e9];
      return asText(fc.oneof(fc.integer({ min, max: Math.min(max, 1e15) }), fc.constantFrom(min, max)));
    }
    case 'number':
      return fc.oneof(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 1e9 }).map((cents) => cents / 100),
        fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 9), digits(0, 7), fc.integer({ min: 1, max: 9 })).map(([first, whole, fraction, last]) => `${first}${whole}.${fraction}${last}`),
        fc.tuple(digits(1, 12), digits(0, 8)).map(([whole, fraction]) => exact(`${whole}.${fraction}1`)),
      );
    case 'boolean':
      return fc.constantFrom(true, false, 'true', 'false', '1', '0');
    case 'array':
      if (items.type === 'integer') return commaSeparated(fc.array(ids, { maxLength: 5 }));
      if (items.enum) return commaSeparated(fc.subarray(sample(items)));
      if (items.example === '192.0.2.0/24') return fc.subarray(VALID_IPS);
      return commaSeparated(fc.array(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }).filter((text) => !text.includes(',') && text.trim() === text), { maxLength: 5 }));
    case 'string':
      if (schema.enum) return fc.constantFrom(...sample(schema));
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'date-time') {
        return fc
          .tuple(
            fc.integer({ min: 1001, max: 9997 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.constantFrom('T', ' '),
            fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom('', ':00', ':59.5', ':01.123456'),
            fc.constantFrom('', '', 'Z', '+00:00', '-05:00', '+0530', '+14:00'),
          )
          .map(([year, month, day, separator, hour, minute, second, offset]) =>
            `${pad(year, 4)}-${pad(month)}-${pad(day)}${separator}${pad(hour)}:${pad(minute)}${second}${offset}`,
          );
      }
      if (schema.maxLength === undefined) return fc.constantFrom(...VALID_ZONES);
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern as string)).filter((text) => text.length <= (schema.maxLength as number));
      return fc.string({ unit: 'grapheme', minLength: Math.max(1, (schema.minLength as number | undefined) ?? 0), maxLength: Math.min(schema.maxLength as number, 30) });
    default:
      throw new Error(`No values for field ${field.name} of schema ${JSON.stringify(field.schema)}`);
  }
}

type Entry = [string, unknown] | undefined;

/**
 * Raw params of a class. Half are tame: required fields present, values valid but now and then
 * one edgy, so that instances get built; half are wild: any field or none, declared-kind edges
 * and wild values; now and then an unknown key.
 */
function rawParams(type: Type<object>): fc.Arbitrary<RawParams> {
  const fields = fieldsOf(type);
  /** The field's entry, or none with probability `absent` (in percent). */
  const entry = (field: FieldSpec, values: fc.Arbitrary<unknown>, absent: number): fc.Arbitrary<Entry> =>
    fc.oneof(
      { weight: 100 - absent, arbitrary: values.map((value): Entry => [field.name, value]) },
      { weight: absent, arbitrary: fc.constant<Entry>(undefined) },
    );
  const tame = fields.map((field) =>
    entry(field, fc.oneof({ weight: 20, arbitrary: validValuesFor(field) }, valuesFor(field)), field.required ? 0 : 50),
  );
  const wilder = fields.map((field) => entry(field, fc.oneof({ weight: 3, arbitrary: valuesFor(field) }, { weight: 2, arbitrary: wild }, validValuesFor(field)), field.required ? 15 : 50));
  const unknown = fc.oneof(
    { weight: 95, arbitrary: fc.constant<Entry>(undefined) },
    { weight: 5, arbitrary: fc.constantFrom<Entry>(['__proto__', 1], ['constructor', 'x'], ['extra', 1]) },
  );
  return fc.tuple(fc.oneof(fc.tuple(...tame), fc.tuple(...wilder)), unknown, fc.boolean()).map(([chosen, extra, reversed]) => {
    const present = [...chosen, extra].filter((item): item is [string, unknown] => item !== undefined);
    return Object.fromEntries(reversed ? present.reverse() : present) as RawParams;
  });
}

// ---------------------------------------------------------------------------------------------
// Outcomes

type Outcome = { instance: object; class: unknown; keys: string[] } | { problems: Record<string, string>; keys: string[] } | { error: string };

const NO_CONTEXT = 'none';

async function outcomeOf(validate: typeof validateParams, type: Type<object>, raw: RawParams, zone: string): Promise<Outcome> {
  const run = () =>
    validate(type, raw).then(
      (instance): Outcome => ({ instance, class: Object.getPrototypeOf(instance), keys: Object.keys(instance) }),
      (error: unknown): Outcome =>
        error instanceof ValidationFailed ? { problems: error.problems, keys: Object.keys(error.problems) } : { error: String(error) },
    );
  return zone === NO_CONTEXT ? run() : RequestContexts.run({ requestId: 'r', unit: Symbol('r'), timezone: zone }, run);
}

const zones = fc.constantFrom(...ZONES, NO_CONTEXT);

// ---------------------------------------------------------------------------------------------

describe('compiled params validation', () => {
  it('finds the params classes of every API method', () => {
    expect(PARAMS_CLASSES.map((type) => type.name)).toEqual([
      'CreateClientParams',
      'CreateCurrencyParams',
      'CreateExchangeRateParams',
      'CreateInvoiceParams',
      'CreatePackageParams',
      'CreateResellerParams',
      'CreateSubscriptionParams',
      'CreateTransactionParams',
      'CreateUserParams',
      'GenerateInvoicesParams',
      'GetRateParams',
      'IdParams',
      'JwtAuthenticateParams',
      'NoParams',
      'SearchClientsParams',
      'SearchCurrenciesParams',
      'SearchExchangeRatesParams',
      'SearchInvoicesParams',
      'SearchPackagesParams',
      'SearchResellersParams',
      'SearchSubscriptionsParams',
      'SearchTransactionsParams',
      'SearchUsersParams',
      'StopSubscriptionParams',
      'UpdateClientParams',
      'UpdateCurrencyParams',
      'UpdateInvoiceParams',
      'UpdatePackageParams',
      'UpdateResellerParams',
      'UpdateSubscriptionParams',
      'UpdateUserParams',
    ]);
  });

  it('compiles every params class that has fields, the hot path among them', () => {
    const withFields = PARAMS_CLASSES.filter((type) => fieldsOf(type).length > 0);
    expect(withFields.filter((type) => !compiledValidatorOf(type)).map((type) => type.name)).toEqual([]);
    for (const type of [IdParams, SearchClientsParams, SearchTransactionsParams, CreateTransactionParams, CreateClientParams, UpdateClientParams]) {
      expect(withFields).toContain(type);
    }
  });

  describe.each(PARAMS_CLASSES.map((type) => [type.name, type] as const))('%s', (_, type) => {
    it('answers as the reference pipeline does', async () => {
      await fc.assert(
        fc.asyncProperty(rawParams(type), zones, async (raw, zone) => {
          const compiled = await outcomeOf(validateParams, type, raw, zone);
          const reference = await outcomeOf(validateParamsByReference, type, raw, zone);
          expect(compiled).toStrictEqual(reference);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  });

  describe('leaves to the reference pipeline a class whose metadata its field decorators did not all put there', () => {
    class WithForeignRule {
      @IntField()
      @Min(5, { message: 'must be five or more' })
      count: number;
    }

    class WithForeignTransform {
      @IntField()
      @Transform(({ value }: { value: unknown }) => (typeof value === 'number' ? value * 2 : value))
      count: number;
    }

    class Parent {
      @IntField()
      count: number;
    }

    // The parent's IsDefined stays in force: class-validator drops an inherited rule only for one of the same type.
    class ChildKeepingParentRule extends Parent {
      @IntField({ optional: true })
      declare count: number;
    }

    class WithExcludedField {
      @IntField({ optional: true })
      @Exclude()
      count?: number;
    }

    class WithMessageToken {
      @StringField({ maxLength: 3, pattern: /^[a-z]+$/, patternMessage: 'must be lowercase, not $value' })
      code: string;
    }

    it.each([
      ['a foreign validator', WithForeignRule, { count: 3 }, { problems: { count: 'must be five or more' } }],
      ['a foreign transform', WithForeignTransform, { count: 3 }, { count: 6 }],
      ['a parent rule kept', ChildKeepingParentRule, { count: null }, { problems: { count: 'is required' } }],
      ['a field the transformer excludes', WithExcludedField, { count: 'x' }, { count: undefined }],
      ['a message class-validator rewrites', WithMessageToken, { code: 'AB' }, { problems: { code: 'must be lowercase, not AB' } }],
    ] as const)('%s', async (_, type, raw, expected) => {
      expect(compiledValidatorOf(type as Type<object>)).toBeUndefined();
      expect(await outcomeOf(validateParams, type as Type<object>, { ...raw }, NO_CONTEXT)).toStrictEqual(
        await outcomeOf(validateParamsByReference, type as Type<object>, { ...raw }, NO_CONTEXT),
      );
      const outcome = await validateParams(type as Type<object>, { ...raw }).then(
        (instance) => ({ ...instance }),
        (error: ValidationFailed) => ({ problems: error.problems }),
      );
      expect(outcome).toStrictEqual(expected);
    });
  });

  it('compiles a pattern whose message holds a `$` that is no class-validator token', async () => {
    class WithAnchoredPattern {
      @StringField({ maxLength: 3, pattern: /^[a-z]+$/ })
      code: string;
    }
    expect(compiledValidatorOf(WithAnchoredPattern)).toBeDefined();
    await expect(validateParams(WithAnchoredPattern, { code: 'AB' })).rejects.toHaveProperty('problems', { code: 'must match ^[a-z]+$' });
    expect(await outcomeOf(validateParams, WithAnchoredPattern, { code: 'AB' }, NO_CONTEXT)).toStrictEqual(
      await outcomeOf(validateParamsByReference, WithAnchoredPattern, { code: 'AB' }, NO_CONTEXT),
    );
  });
});
