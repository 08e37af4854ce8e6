import type { Type } from '@nestjs/common';
import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { FieldSpec, fieldsOf, JsonSchema } from '../../src/platform/api/fields';
import type { ResultSpec } from '../../src/platform/api/api-method.types';
import { MethodRegistry, RegisteredMethod } from '../../src/platform/api/method-registry';
import { aClient, aCurrency, aReseller, aTransaction, aUser } from '../support/factories';
import { ADMIN_KEY, HttpReply, startTestApp, TestApp } from '../support/test-app';

/**
 * Properties of every registered method (taken from the registry at run time, so a method added
 * later is covered without a line here), over REST and JSON-RPC, as the administrator, under
 * generated params: values built from each field's declaration (boundaries, long and odd strings,
 * exact decimals as numbers and text, datetimes, lists), wrong types, unknown keys (`__proto__`,
 * `constructor`, `prototype`…) and `__tz`. Half the cases are wild; half are tame (plausible
 * values, now and then one edgy field), so that calls also get past validation into the services
 * and the database, which holds a few seeded rows of each kind.
 *
 *  - never a 5xx, never JSON-RPC -32603 (nor any code a well-formed call should not get);
 *  - a REST error body is exactly `{"error": {"message": string, "data"?: object}}` (SPEC §2);
 *  - a JSON-RPC answer is exactly `{"jsonrpc": "2.0", "id": <the id sent>, "result" | "error"}`,
 *    its error `{code, message, data?}`;
 *  - each kind carries its documented message and data: validation `Invalid params` with a map
 *    field → problem; `not_found: <object_name> #<object_id> not found`; otherwise, when
 *    `data.code` exists, `<data.code>: <data.message>` (src/platform/errors/domain-error.ts);
 *  - unknown keys (`__proto__` included), an unknown `__tz` and lone surrogates are refused (400 / -32602);
 *  - the same params get the same answer over both protocols: fully for reads (GET) whenever REST
 *    can carry the params faithfully (a query string has no types), and for writes whenever either
 *    side refused them as invalid (a refused write changes nothing, so the second call meets the same state);
 *  - datetimes leave as ISO 8601 with an offset, and one sent with an offset comes back as the same instant (SPEC §4).
 *
 * A second property sends every kind of JSON-RPC id (JSON-RPC 2.0 §4: a String, a Number or Null) and expects it back.
 *
 * The runs are reproducible: FC_SEED (default below) and FC_RUNS (runs per method) may be set;
 * a failure names its method, the seed and the exact JSON params that reproduce it.
 */

const SEED = Number(process.env.FC_SEED ?? 20260525);
const RUNS = Number(process.env.FC_RUNS ?? 30);
/** Caps on each method's run and on all of them, shrinking included, so that many failures still end in time. */
const METHOD_TIME_LIMIT_MS = 10_000;
const TOTAL_TIME_LIMIT_MS = 150_000;

// ---------------------------------------------------------------------------------------------
// JSON values with full control over the text sent

/** A JSON number written exactly as given: more digits than a float holds, exponents, 1e400. */
class Raw {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return this.text;
  }
}

/** A JSON object given as its members, so that any key (`__proto__` included) is sent as written. */
class Obj {
  constructor(readonly members: [string, Json][]) {}
  [fc.toStringMethod](): string {
    return jsonText(this);
  }
}

type Json = null | boolean | number | string | Raw | Obj | Json[];
type Entry = [string, Json];

function jsonText(value: Json): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.members.map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  return JSON.stringify(value);
}

/** fast-check's JSON values (objects with own keys of any name) as Json. */
function fromPlain(value: unknown): Json {
  if (Array.isArray(value)) return value.map(fromPlain);
  if (value !== null && typeof value === 'object') return new Obj(Object.entries(value).map(([key, item]) => [key, fromPlain(item)]));
  return value as Json;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

function holdsLoneSurrogate(value: Json): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(holdsLoneSurrogate);
  if (value instanceof Obj) return value.members.some(([key, item]) => LONE_SURROGATE.test(key) || holdsLoneSurrogate(item));
  return false;
}

/** What a query string or a path segment carries of a value: text (lone surrogates cannot be encoded; they become U+FFFD). */
function scalarText(value: Json): string {
  const text = typeof value === 'string' ? value : value instanceof Raw ? value.text : jsonText(value);
  return text.replace(LONE_SURROGATES, '\ufffd');
}

// ---------------------------------------------------------------------------------------------
// Fields, from their declared JSON Schema

type Kind =
  | 'int'
  | 'decimal'
  | 'bool'
  | 'string'
  | 'enum'
  | 'email'
  | 'datetime'
  | 'timezone'
  | 'idlist'
  | 'enumlist'
  | 'strlist'
  | 'iplist'
  | 'other';

interface Field {
  name: string;
  kind: Kind;
  schema: JsonSchema;
  required: boolean;
  nullable: boolean;
}

function describeField(spec: FieldSpec): Field {
  const raw = spec.schema;
  let schema = raw;
  let nullable = false;
  if (Array.isArray(raw.type)) {
    nullable = raw.type.includes('null');
    schema = { ...raw, type: (raw.type as string[]).find((type) => type !== 'null') };
  } else if (Array.isArray(raw.anyOf)) {
    nullable = true;
    schema = (raw.anyOf as JsonSchema[]).find((option) => option.type !== 'null') ?? {};
  }
  const items = (schema.items ?? {}) as JsonSchema;
  const kind: Kind = (() => {
    switch (schema.type) {
      case 'integer':
        return 'int';
      case 'number':
        return 'decimal';
      case 'boolean':
        return 'bool';
      case 'string':
        if (schema.enum) return 'enum';
        if (schema.format === 'email') return 'email';
        if (schema.format === 'date-time') return 'datetime';
        // Every free-text field declares a maxLength; a time zone name has none (TimezoneField).
        if (schema.maxLength === undefined) return 'timezone';
        return 'string';
      case 'array':
        if (items.type === 'integer') return 'idlist';
        if (items.enum) return 'enumlist';
        if (typeof items.example === 'string' && /^[\d.:a-f]+\/\d+$/.test(items.example)) return 'iplist';
        return 'strlist';
      default:
        return 'other';
    }
  })();
  return { name: spec.name, kind, schema, required: spec.required, nullable };
}

// ---------------------------------------------------------------------------------------------
// Generators

/** What the database holds, so that ids and names meet existing rows too. */
interface World {
  t: TestApp;
  adminId: number;
  userId: number;
  ids: number[];
  names: string[];
  /** Static segments of every REST route: a path parameter spelled like one reaches another route. */
  segments: Set<string>;
}

const VALID_ZONES = ['UTC', 'America/New_York', 'Asia/Kathmandu', 'Etc/GMT+12', 'Pacific/Kiritimati', 'Europe/Kyiv', 'Australia/Lord_Howe'];
const ODD_ZONES = ['utc', 'america/new_york', 'GMT', 'EST5EDT', 'Etc/GMT-14', 'US/Eastern'];
const INVALID_ZONES = [
  'Mars/Olympus',
  '',
  ' UTC',
  '+05:00',
  'UTC+5',
  'local',
  'system',
  'Z',
  '../../etc/passwd',
  'America/New_York\u0000',
  'Etc/GMT+15',
  '\ud800',
];

const WRONG_TYPES: Json[] = [
  null,
  true,
  false,
  new Obj([]),
  [],
  [[]],
  [[1, 2]],
  [null],
  [true, false],
  [new Obj([])],
  new Obj([['a', 1]]),
  new Obj([['__proto__', new Obj([['polluted', true]])]]),
  new Obj([['constructor', new Obj([['prototype', new Obj([['polluted', true]])]])]]),
  1.5,
  -0,
  new Raw('1e400'),
  new Raw('12345678901234567890.5'),
  [new Raw('99999999999999999999')],
];

const wrongType: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WRONG_TYPES) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map(fromPlain) },
);

const INT_EDGES = [0, -1, 1, 2, 10, 2147483647, 2147483648, -2147483648, -2147483649, 4294967296, 9007199254740991, -9007199254740991, 1e21];
const INT_RAWS = ['9007199254740993', '123456789012345678901234567890', '1e400', '-1e400', '1.0', '1e2', '1E0', '-0', '0.5', '2147483647.0000000000000001'];
const INT_TEXTS = ['42', ' 7 ', '-0', '0x1F', '1e3', '', ' ', '1'.repeat(17), '2147483648', '9999999999999999', '+1', '1_000', '١٢'];

function intArbitrary(field: Field, world: World): fc.Arbitrary<Json> {
  const { minimum, maximum } = field.schema as { minimum?: number; maximum?: number };
  const bounds = [minimum, maximum].flatMap((bound) => (bound === undefined ? [] : [bound - 1, bound, bound + 1]));
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...world.ids, 999999) },
    { weight: 3, arbitrary: fc.constantFrom(...INT_EDGES, ...bounds) },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.maxSafeInteger() },
    { weight: 1, arbitrary: fc.constantFrom(...INT_RAWS).map((text) => new Raw(text)) },
    { weight: 1, arbitrary: fc.constantFrom(...INT_TEXTS, ...world.ids.map(String)) },
  );
}

const DECIMAL_NUMBERS = [0, -1, 1, 0.1, 0.2, 1.5, -0.0001, 1e-7, 5e-324, 1e21, 1.7976931348623157e308, 123456789.123456, 99999999999.99, 0.30000000000000004];
const DECIMAL_RAWS = [
  '12345678901234567890.123456789012',
  '0.000000000000000000001',
  '1e-400',
  '1e400',
  '1E+5',
  '-0.0',
  '9'.repeat(40),
  '1.23456789012345678e10',
  '100.00000000000000000000000001',
  '0.1000000000000000055511151231257827',
];
const DECIMAL_TEXTS = [
  '10.25',
  ' 10.25 ',
  '+5',
  '-0',
  '.5',
  '5.',
  '1e5',
  'NaN',
  'Infinity',
  '-Infinity',
  '',
  ' ',
  '0x10',
  '1,5',
  '-',
  '.',
  '9'.repeat(60),
  `0.${'0'.repeat(40)}1`,
  '123456789012.12345678',
  '１２３',
];

const decimalArbitrary: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DECIMAL_NUMBERS) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.constantFrom(...DECIMAL_RAWS).map((text) => new Raw(text)) },
  { weight: 2, arbitrary: fc.constantFrom(...DECIMAL_TEXTS) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  { weight: 1, arbitrary: fc.tuple(fc.bigInt(), fc.nat({ max: 30 })).map(([digits, scale]) => {
    const text = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, '0');
    return `${digits < 0n ? '-' : ''}${text.slice(0, text.length - scale)}${scale ? `.${text.slice(-scale)}` : ''}`;
  }) },
);

const ODD_STRINGS = [
  '',
  ' ',
  'a',
  '日本語テキスト',
  'Ünïcödé 🎉👨‍👩‍👧',
  '*',
  '**',
  'a*b',
  '%',
  '_',
  '%_\\',
  '\\',
  "'",
  "' OR '1'='1",
  "Robert'); DROP TABLE clients;--",
  '"; SELECT pg_sleep(1); --',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\u202e\u200b',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '\r\n\t',
];

function stringArbitrary(field: Field, world: World): fc.Arbitrary<Json> {
  const { maxLength = 255, minLength = 0, pattern, example } = field.schema as {
    maxLength?: number;
    minLength?: number;
    pattern?: string;
    example?: unknown;
  };
  const lengths = [
    'x'.repeat(maxLength),
    'x'.repeat(maxLength + 1),
    'é'.repeat(maxLength),
    '🎉'.repeat(Math.ceil(maxLength / 2)),
    'x'.repeat(Math.max(minLength - 1, 0)),
  ];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
    { weight: 2, arbitrary: fc.constantFrom(...lengths, ...world.names, ...(typeof example === 'string' ? [example] : [])) },
    { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
    ...(pattern ? [{ weight: 3, arbitrary: fc.stringMatching(new RegExp(pattern)) }] : []),
  );
}

const enumArbitrary = (values: string[]): fc.Arbitrary<Json> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...values) },
    { weight: 1, arbitrary: fc.constantFrom(...values.flatMap((value) => [value.toUpperCase(), ` ${value}`, `${value},${value}`]), '', 'unknown') },
  );

const EMAILS = ['a@b.co', 'noc@acme.example', 'not-an-email', '@', 'a@b', `${'x'.repeat(250)}@a.co`, 'ü@例え.jp', '"quoted"@example.com', 'a@b.co\n', ''];
const emailArbitrary: fc.Arbitrary<Json> = fc.oneof(fc.constantFrom(...EMAILS), fc.emailAddress());

const DATETIMES = [
  '2026-11-25 09:30:00',
  '2026-11-25T09:30:00',
  '2026-11-25T09:30:00-05:00',
  '2026-11-25T09:30:00Z',
  '2026-11-25T09:30:00.123456789Z',
  '2026-03-08 02:30:00',
  '2026-11-01 01:30:00',
  '2026-11-25',
  '2026-02-30 00:00:00',
  '2026-13-01 00:00:00',
  '2026-11-25T24:00:00',
  '2026-11-25 9:30',
  '2026-11-25T09:30:00+25:00',
  '0000-01-01 00:00:00',
  '0001-01-01T00:00:00Z',
  '9999-12-31 23:59:59',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '1970-01-01T00:00:00+14:00',
  'yesterday',
  'now',
  '',
  '1764028800',
];
const datetimeArbitrary: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DATETIMES) },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()) },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString().replace('T', ' ').slice(0, 19)) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 1_000_000 }) },
);

const zoneArbitrary: fc.Arbitrary<Json> = fc.constantFrom(...VALID_ZONES, ...ODD_ZONES, ...INVALID_ZONES);

const BOOLS: Json[] = [true, false, 'true', 'false', '1', '0', 'yes', '', 1, 0, 'TRUE'];

const IPS = [
  '10.0.0.0/8',
  '2001:db8::1',
  '192.0.2.1',
  '::1',
  '0.0.0.0/0',
  '::/0',
  '999.0.0.1',
  '10.0.0.0/33',
  'abc',
  '',
  ' 10.0.0.1',
  '10.0.0.1/8',
  'fe80::1%eth0',
  '127.0.0.1',
];

const ORDERS = [
  'id',
  '-id',
  'name',
  '-name',
  'c_dt',
  '-c_dt',
  'balance',
  'status',
  'unknown',
  '-',
  '--id',
  '',
  ' id',
  'id;drop table users',
  '*',
  'x'.repeat(65),
  'ID',
  'id desc',
  'rate',
  'dt',
];

/** A list: an array, a single value, or comma-separated text (as a query string would carry it). */
function listOf(item: fc.Arbitrary<Json>, extra: fc.Arbitrary<Json>[] = []): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(item, { maxLength: 5 }) },
    { weight: 2, arbitrary: fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => items.map(scalarText).join(',')) },
    { weight: 1, arbitrary: item },
    ...extra.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

/** Values of the field's type at and past its edges: boundaries, odd text, exact decimals, lists. */
function edgy(field: Field, world: World): fc.Arbitrary<Json> {
  const items = (field.schema.items ?? {}) as JsonSchema;
  switch (field.kind) {
    case 'int':
      return intArbitrary(field, world);
    case 'decimal':
      return decimalArbitrary;
    case 'bool':
      return fc.constantFrom(...BOOLS);
    case 'string':
      return stringArbitrary(field, world);
    case 'enum':
      return enumArbitrary(field.schema.enum as string[]);
    case 'email':
      return emailArbitrary;
    case 'datetime':
      return datetimeArbitrary;
    case 'timezone':
      return zoneArbitrary;
    case 'idlist':
      return listOf(intArbitrary({ ...field, schema: items }, world), [
        fc.constant(Array.from({ length: 1001 }, (_, index) => index + 1)),
        fc.constantFrom('1,,2', '1, 2', ',', ''),
      ]);
    case 'enumlist':
      return listOf(enumArbitrary(items.enum as string[]));
    case 'strlist':
      return listOf(
        fc.oneof(fc.constantFrom(...ORDERS, ...world.names), stringArbitrary({ ...field, kind: 'string', schema: items }, world)),
        [fc.constant(Array.from({ length: 11 }, () => 'id'))],
      );
    case 'iplist':
      return fc.oneof(fc.array(fc.constantFrom(...IPS), { maxLength: 4 }), fc.constantFrom(...IPS));
    case 'other':
      return fc.oneof(intArbitrary(field, world), decimalArbitrary, stringArbitrary(field, world));
  }
}

const PLAUSIBLE_DECIMALS: Json[] = [0, 1, 0.5, 10.25, 1000, '0.0001', '15.5', '123456.78', new Raw('1234567890.1234'), new Raw('0.30')];
const PLAUSIBLE_DATETIMES = [
  '2026-11-25 09:30:00',
  '2026-11-25T09:30:00',
  '2026-11-25T09:30:00-05:00',
  '2020-01-01T00:00:00Z',
  '2026-03-08 02:30:00',
  '2026-11-01 01:30:00',
  // Far instants, which zones render with their historic (local mean time) offsets.
  '0000-01-01 00:00:00',
  '0001-01-01T00:00:00Z',
  '1800-01-01T00:00:00Z',
  '9999-12-31 23:59:59',
];
const PLAUSIBLE_TEXTS = ['Acme', 'Ünïcödé 日本語 🎉', "O'Brien & Co", '100% *wild*_card\\', "'; DROP TABLE clients; --", 'a'];

/** Values meant to pass the field's validation, so that calls reach the services and the database. */
function plausible(field: Field, world: World): fc.Arbitrary<Json> {
  const { minimum = 1, maximum = 2147483647, minLength = 0, maxLength = 255, pattern, example } = field.schema as {
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
    example?: unknown;
  };
  const items = (field.schema.items ?? {}) as JsonSchema;
  const fits = (text: string) => text.length >= minLength && text.length <= maxLength && (!pattern || new RegExp(pattern).test(text));
  const ids = world.ids.filter((id) => id >= minimum && id <= maximum);
  switch (field.kind) {
    case 'int':
      return fc.oneof(
        ...(ids.length ? [{ weight: 3, arbitrary: fc.constantFrom<Json>(...ids) }] : []),
        { weight: 1, arbitrary: fc.constantFrom<Json>(minimum, Math.min(maximum, 2147483647)) },
        { weight: 1, arbitrary: fc.integer({ min: minimum, max: Math.min(maximum, 2147483647) }) },
      );
    case 'decimal':
      return fc.constantFrom(...PLAUSIBLE_DECIMALS);
    case 'bool':
      return fc.boolean();
    case 'string': {
      const texts = [...PLAUSIBLE_TEXTS, ...world.names, ...(typeof example === 'string' ? [example] : []), 'x'.repeat(maxLength)].filter(fits);
      return fc.oneof(
        pattern
          ? fc.stringMatching(new RegExp(pattern)).filter(fits)
          : fc.string({ unit: 'grapheme', minLength: Math.max(minLength, 1), maxLength: Math.min(maxLength, 30) }).filter(fits),
        ...(texts.length ? [fc.constantFrom<Json>(...texts)] : []),
      );
    }
    case 'enum':
      return fc.constantFrom(...(field.schema.enum as string[]));
    case 'email':
      return fc.oneof(fc.constantFrom('a@b.co', 'noc@acme.example'), fc.emailAddress().filter((email) => email.length <= 100));
    case 'datetime':
      return fc.constantFrom(...PLAUSIBLE_DATETIMES);
    case 'timezone':
      return fc.constantFrom(...VALID_ZONES);
    case 'idlist':
      return fc.oneof(fc.array(fc.constantFrom(...world.ids, 999999), { maxLength: 4 }), fc.constantFrom(...world.ids).map(String));
    case 'enumlist':
      return fc.subarray(items.enum as string[]);
    case 'strlist':
      return fc.array(fc.constantFrom('id', '-id', 'name', '-name', 'c_dt', '-c_dt', 'USD', 'EUR'), { maxLength: 3 });
    case 'iplist':
      return fc.subarray(['10.0.0.0/8', '2001:db8::/32', '192.0.2.1', '::1', '127.0.0.1']);
    case 'other':
      return edgy(field, world);
  }
}

const UNKNOWN_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'unknown_field',
  'ID',
  'Id',
  '',
  ' ',
  'a.b',
  '$where',
  'id;',
];

const TZ = '__tz';

interface Case {
  entries: Entry[];
  /** Keys that are neither declared fields nor `__tz`. */
  unknown: string[];
  rpcId: number | string | null | Raw;
  restFirst: boolean;
  /** For REST calls with a body: `__tz` in the query string rather than in the body. */
  tzInQuery: boolean;
  /** Both protocols under `/api/` (SPEC §1). */
  apiPrefix: boolean;
}

/** JSON-RPC ids: any String, Number or Null (JSON-RPC 2.0 §4), numbers as written, whether or not a float holds them exactly. */
const rpcIdArbitrary: fc.Arbitrary<Case['rpcId']> = fc.oneof(
  fc.integer(),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('12345678901234567890', '9007199254740993', '1e3', '1E-2', '1.5', '0.1', '-7', '-0', '1.0').map((text) => new Raw(text)),
);

/**
 * Two kinds of case, half each: wild ones (every field edgy or of a wrong type, unknown keys, any
 * `__tz`), and tame ones (plausible values that pass validation, now and then one edgy field), so
 * that calls also get past validation into the services and the database.
 */
function caseArbitrary(method: RegisteredMethod, fields: Field[], world: World): fc.Arbitrary<Case> {
  const names = new Set([...fields.map((field) => field.name), TZ]);
  const unknownKeys = UNKNOWN_KEYS.filter((key) => !names.has(key));
  const anyValue = fc.oneof(wrongType, fc.constantFrom<Json>('x', 1, true, 'admin'));
  const edgyOrWrong = (field: Field) => fc.oneof({ weight: 5, arbitrary: edgy(field, world) }, { weight: 1, arbitrary: wrongType });
  const present = (field: Field, value: fc.Arbitrary<Json>) => fc.option(value, { nil: undefined, freq: field.required ? 10 : 2 });
  const common = {
    rpcId: fc.oneof(
      { weight: 4, arbitrary: fc.integer() as fc.Arbitrary<Case['rpcId']> },
      { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    apiPrefix: fc.boolean(),
    restFirst: fc.boolean(),
    tzInQuery: fc.boolean(),
  };
  const wild = fc.record({
    values: fc.tuple(...fields.map((field) => present(field, edgyOrWrong(field)))),
    unknown: fc.option(
      fc.uniqueArray(
        fc.tuple(fc.constantFrom(...unknownKeys), anyValue.filter((value) => !(Array.isArray(value) && value.length === 0))),
        { minLength: 1, maxLength: 2, selector: ([key]) => key },
      ),
      { nil: undefined, freq: 3 },
    ),
    tz: fc.option(fc.oneof({ weight: 4, arbitrary: zoneArbitrary }, { weight: 1, arbitrary: wrongType }), { nil: undefined, freq: 3 }),
    ...common,
  });
  const tame = fc.record({
    values: fc.tuple(
      ...fields.map((field) =>
        fc.option(fc.oneof({ weight: 15, arbitrary: plausible(field, world) }, { weight: 1, arbitrary: edgyOrWrong(field) }), {
          nil: undefined,
          freq: field.required ? 50 : 2,
        }),
      ),
    ),
    unknown: fc.constant(undefined),
    tz: fc.option(fc.constantFrom<Json>(...VALID_ZONES), { nil: undefined, freq: 2 }),
    ...common,
  });
  return fc.oneof(wild, tame).map(({ values, unknown, tz, rpcId, restFirst, tzInQuery, apiPrefix }) => {
    const entries: Entry[] = [];
    fields.forEach((field, index) => {
      const value = values[index];
      if (value !== undefined) entries.push([field.name, protectAdmin(method, field, value, world)]);
    });
    for (const entry of unknown ?? []) entries.push(entry);
    if (tz !== undefined) entries.push([TZ, tz]);
    return { entries, unknown: (unknown ?? []).map(([key]) => key), rpcId, restFirst, tzInQuery, apiPrefix };
  });
}

/**
 * The suite calls as the administrator: it must not block, delete, restrict or re-key them, or
 * every later call would fail to authenticate. Their id, in any spelling, becomes another user's.
 */
function protectAdmin(method: RegisteredMethod, field: Field, value: Json, world: World): Json {
  if (!method.options.rpc.startsWith('iam.users.') || method.verb === 'GET' || field.name !== 'id') return value;
  const text = typeof value === 'string' ? value.trim() : value instanceof Raw ? value.text : typeof value === 'number' ? String(value) : undefined;
  return text !== undefined && text !== '' && Number(text) === world.adminId ? world.userId : value;
}

// ---------------------------------------------------------------------------------------------
// Calls

interface Sent {
  rest: string;
  rpc: string;
}

interface Answer {
  protocol: 'rest' | 'rpc';
  reply: HttpReply;
  /** The answer as parsed from its text, own keys exactly as sent (`__proto__` included). */
  json: any;
}

function parse(text: string): any {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return Symbol.for('not JSON');
  }
}

function pathOf(method: RegisteredMethod, entries: Entry[]): { path: string; rest: Entry[] } {
  let rest = entries;
  const path = method.path.replace(/:([a-z_]+)/g, (_, name: string) => {
    const entry = rest.find(([key]) => key === name);
    rest = rest.filter(([key]) => key !== name);
    return encodeURIComponent(entry ? scalarText(entry[1]) : 'undefined');
  });
  return { path, rest };
}

/** Lists as repeated keys; a query too long for Node's 16 KB header limit (HTTP 431, no body) sends them comma-separated. */
function queryOf(entries: Entry[], repeat = true): string {
  const query = new URLSearchParams();
  for (const [key, value] of entries) {
    const items = Array.isArray(value) ? (repeat ? value : [value.map(scalarText).join(',')]) : [value];
    for (const item of items) query.append(key.replace(LONE_SURROGATES, '\ufffd'), scalarText(item));
  }
  const text = query.size ? `?${query}` : '';
  return repeat && text.length > 12000 ? queryOf(entries, false) : text;
}

async function sendRest(t: TestApp, method: RegisteredMethod, c: Case): Promise<{ answer: Answer; line: string }> {
  const { path: ownPath, rest } = pathOf(method, c.entries);
  const path = c.apiPrefix ? `/api${ownPath}` : ownPath;
  let reply: HttpReply;
  let line: string;
  if (method.verb === 'GET' || method.verb === 'DELETE') {
    const target = path + queryOf(rest);
    line = `${method.verb} ${target}`;
    reply = await t.rest(method.verb, target, undefined, { key: ADMIN_KEY });
  } else {
    const inQuery = c.tzInQuery ? rest.filter(([key]) => key === TZ) : [];
    const body = jsonText(new Obj(rest.filter((entry) => !inQuery.includes(entry))));
    const target = path + queryOf(inQuery);
    line = `${method.verb} ${target} ${body}`;
    reply = await t.rawRest(method.verb, target, body);
  }
  return { answer: { protocol: 'rest', reply, json: parse(reply.text) }, line };
}

function rpcText(method: RegisteredMethod, c: Case): string {
  const id = c.rpcId instanceof Raw ? c.rpcId.text : JSON.stringify(c.rpcId);
  return `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method.options.rpc)},"params":${jsonText(new Obj(c.entries))}}`;
}

async function sendRpc(t: TestApp, text: string, apiPrefix: boolean): Promise<Answer> {
  const reply = await t.rpcRaw(text, { key: ADMIN_KEY, path: apiPrefix ? '/api' : '/' });
  return { protocol: 'rpc', reply, json: parse(reply.text) };
}

// ---------------------------------------------------------------------------------------------
// Checks

/** The HTTP status a JSON-RPC error code stands for (SPEC §2; as in test/support/calls.ts). */
const STATUS_OF_CODE: Record<number, number> = { [-32602]: 400, [-32005]: 401, [-32004]: 404, [-32000]: 422, [-32029]: 429 };

type Outcome = { ok: true; result: unknown } | { ok: false; status: number; message: unknown; data: unknown };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const own = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key);
const onlyKeys = (value: object, allowed: string[]) => Object.keys(value).every((key) => allowed.includes(key));

/** JSON text with sorted keys: equal values, equal text (own `__proto__` keys included). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** The message and data of an error of a given kind (SPEC §2, src/platform/errors/domain-error.ts). */
function checkError(status: number, message: unknown, data: unknown, problems: string[], where: string, routeMiss: boolean): void {
  if (typeof message !== 'string') problems.push(`${where}: message is not a string`);
  if (data !== undefined && !isRecord(data)) problems.push(`${where}: data is not an object`);
  const record = isRecord(data) ? data : undefined;
  const code = record && own(record, 'code') ? record.code : undefined;
  if (code !== undefined) {
    if (typeof code !== 'string') problems.push(`${where}: data.code is not a string`);
    else if (code === 'not_found' && routeMiss && !own(record!, 'object_name')) {
      // No route for the path (design-13): {code, message}, the message "not_found: no route …".
      if (message !== `not_found: ${String(record!.message)}` || !onlyKeys(record!, ['code', 'message'])) problems.push(`${where}: a route miss is not {code, message}`);
    } else if (code === 'not_found') {
      const expected = `not_found: ${String(record!.object_name)} #${String(record!.object_id)} not found`;
      if (message !== expected) problems.push(`${where}: not_found message is ${JSON.stringify(message)}, expected ${JSON.stringify(expected)}`);
      if (typeof record!.object_name !== 'string' || typeof record!.object_id !== 'string' || !onlyKeys(record!, ['code', 'object_name', 'object_id'])) {
        problems.push(`${where}: not_found data is not {code, object_name, object_id} of strings`);
      }
    } else if (code === 'too-many-requests') {
      // SPEC §2 gives 429 data as {"code"} alone: no data.message to repeat.
      if (typeof message !== 'string' || !message.startsWith(`${code}: `)) problems.push(`${where}: message does not start with "${code}: "`);
    } else if (message !== `${code}: ${String(record!.message)}` || typeof record!.message !== 'string') {
      problems.push(`${where}: message ${JSON.stringify(message)} is not "<data.code>: <data.message>"`);
    }
  }
  const expectedCode: Record<number, string> = { 401: 'utoken-auth-failed', 404: 'not_found', 429: 'too-many-requests' };
  switch (status) {
    case 400:
      if (message !== 'Invalid params') problems.push(`${where}: validation message is ${JSON.stringify(message)}, not "Invalid params"`);
      if (!record || Object.keys(record).length === 0 || !Object.values(record).every((problem) => typeof problem === 'string')) {
        problems.push(`${where}: validation data is not a non-empty map field → problem`);
      }
      break;
    case 401:
    case 429:
      if (code !== expectedCode[status]) problems.push(`${where}: ${status} without data.code "${expectedCode[status]}"`);
      break;
    case 404:
      // A REST path whose parameter is empty reaches no route at all: a route miss, data.code "not_found" too.
      if (code !== 'not_found') problems.push(`${where}: 404 without data.code "not_found"`);
      break;
    case 405:
      // A REST path whose parameter is empty may be another route's path (PATCH /clients/): 405 with what it allows.
      if (!routeMiss || code !== 'method-not-allowed' || !Array.isArray(record!.allow)) problems.push(`${where}: unexpected 405 ${JSON.stringify(data)}`);
      break;
    case 422:
      if (typeof code !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(code)) problems.push(`${where}: 422 without a kebab-case data.code`);
      break;
    default:
      problems.push(`${where}: unexpected error status ${status}`);
  }
}

function checkRest(answer: Answer, problems: string[], routeMiss: boolean): Outcome | undefined {
  const { reply, json } = answer;
  // Node's own HTTP parser refuses a request line over its 16 KB header limit before the application sees it.
  if (reply.status === 431) return undefined;
  if (reply.status >= 500) problems.push(`REST: HTTP ${reply.status}`);
  if (typeof json === 'symbol' || json === undefined) {
    problems.push(`REST: HTTP ${reply.status} with a body that is not JSON: ${reply.text.slice(0, 200)}`);
    return undefined;
  }
  if (reply.status === 200) return { ok: true, result: json };
  if (!isRecord(json) || !onlyKeys(json, ['error']) || !isRecord(json.error) || !onlyKeys(json.error, ['message', 'data'])) {
    problems.push(`REST: HTTP ${reply.status} body is not exactly {"error": {"message", "data"?}}`);
    return undefined;
  }
  const { message, data } = json.error;
  checkError(reply.status, message, data, problems, `REST ${reply.status}`, routeMiss);
  if (reply.status === 429 && !reply.headers['retry-after']) problems.push('REST: 429 without Retry-After');
  return { ok: false, status: reply.status, message, data };
}

function checkRpc(answer: Answer, id: Case['rpcId'], problems: string[]): Outcome | undefined {
  const { reply, json } = answer;
  if (reply.status >= 500) problems.push(`JSON-RPC: HTTP ${reply.status}`);
  if (!isRecord(json)) {
    problems.push(`JSON-RPC: HTTP ${reply.status} with a body that is not a JSON object: ${reply.text.slice(0, 200)}`);
    return undefined;
  }
  const keys = Object.keys(json).sort().join(',');
  if (keys !== 'id,jsonrpc,result' && keys !== 'id,jsonrpc,meta,result' && keys !== 'error,id,jsonrpc') problems.push(`JSON-RPC: answer has keys ${keys}`);
  // A search's page info (design-13): beside a bare array, and saying where the next page starts, if anywhere.
  if (own(json, 'meta')) {
    const meta = json.meta;
    const valid =
      Array.isArray(json.result) &&
      isRecord(meta) &&
      onlyKeys(meta, ['has_more', 'next_offset']) &&
      (meta.has_more === false ? meta.next_offset === null : meta.has_more === true && Number.isInteger(meta.next_offset));
    if (!valid) problems.push(`JSON-RPC: meta is not {has_more, next_offset} beside an array: ${JSON.stringify(meta)}`);
  }
  if (json.jsonrpc !== '2.0') problems.push('JSON-RPC: jsonrpc is not "2.0"');
  const sentId: unknown = id instanceof Raw ? JSON.parse(id.text) : id;
  if (json.id !== sentId) problems.push(`JSON-RPC: id ${JSON.stringify(json.id)} is not the id sent, ${id instanceof Raw ? id.text : JSON.stringify(id)}`);
  if (own(json, 'result')) {
    if (reply.status !== 200) problems.push(`JSON-RPC: a result with HTTP ${reply.status}`);
    return { ok: true, result: json.result };
  }
  const error = json.error;
  if (!isRecord(error) || !onlyKeys(error, ['code', 'message', 'data']) || !Number.isInteger(error.code)) {
    problems.push('JSON-RPC: error is not exactly {code: integer, message, data?}');
    return undefined;
  }
  const code = error.code as number;
  const status = STATUS_OF_CODE[code];
  if (code === -32603) problems.push('JSON-RPC: -32603 internal error');
  else if (status === undefined) problems.push(`JSON-RPC: code ${code} is not one a well-formed call to a declared method may get`);
  if (reply.status !== (code === -32005 ? 401 : 200)) problems.push(`JSON-RPC: code ${code} with HTTP ${reply.status}`);
  if (status !== undefined) checkError(status, error.message, error.data, problems, `JSON-RPC ${code}`, false);
  return { ok: false, status: status ?? code, message: error.message, data: error.data };
}

/** Whether a value means the same in a query string or a path segment (text only) as in JSON. */
function faithfulScalar(kind: Kind, value: Json): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value);
  switch (kind) {
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'decimal': {
      const text = value instanceof Raw ? value.text : typeof value === 'number' ? String(value) : undefined;
      return text !== undefined && /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text);
    }
    case 'bool':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

const ITEM_KIND: Partial<Record<Kind, Kind>> = { idlist: 'int', enumlist: 'enum', strlist: 'string' };

function faithfulInQuery(field: Field | undefined, value: Json): boolean {
  // An unknown key is refused whatever its value; only an empty list would not be sent at all.
  if (!field) return !(Array.isArray(value) && value.length === 0);
  const item = ITEM_KIND[field.kind];
  if (!Array.isArray(value)) return typeof value === 'string' ? !LONE_SURROGATE.test(value) : !item && faithfulScalar(field.kind, value);
  if (!item) return false;
  // One item is sent as a single value, which a list field splits at commas and trims.
  if (value.length === 1) return faithfulScalar(item, value[0]) && /^[^,\s]+$/.test(scalarText(value[0]));
  return value.length > 1 && value.every((entry) => faithfulScalar(item, entry));
}

/** Whether REST carries the same params as JSON-RPC: JSON bodies always; query strings and paths only text. */
function restIsFaithful(method: RegisteredMethod, fields: Field[], c: Case, world: World): boolean {
  const byName = new Map(fields.map((field) => [field.name, field]));
  const pathNames = [...method.path.matchAll(/:([a-z_]+)/g)].map((match) => match[1]);
  const tzField: Field = { name: TZ, kind: 'timezone', schema: {}, required: false, nullable: false };
  for (const name of pathNames) {
    const entry = c.entries.find(([key]) => key === name);
    if (!entry) return false;
    const text = scalarText(entry[1]);
    if (text === '' || text === '.' || text === '..' || world.segments.has(text)) return false;
    if (!faithfulScalar(byName.get(name)?.kind ?? 'other', entry[1])) return false;
  }
  const inQuery = method.verb === 'GET' || method.verb === 'DELETE';
  return c.entries.every(([key, value]) => {
    if (pathNames.includes(key)) return true;
    if (!inQuery && !(key === TZ && c.tzInQuery)) return true;
    return faithfulInQuery(key === TZ ? tzField : byName.get(key), value);
  });
}

const describeOutcome = (outcome: Outcome | undefined) =>
  outcome === undefined
    ? 'unreadable'
    : outcome.ok
      ? `200 ${canonical(outcome.result).slice(0, 300)}`
      : `${outcome.status} ${canonical({ message: outcome.message, data: outcome.data }).slice(0, 300)}`;

const ISO_DATETIME = /^(?:\d{4}|[+-]\d{4,6})-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

/** Datetimes leave as ISO 8601 with an offset (SPEC §4): every declared date-time field of a result. */
function dateTimeProblems(value: unknown, spec: ResultSpec | Type<unknown>, where: string): string[] {
  if (Array.isArray(spec)) return Array.isArray(value) ? value.flatMap((item, index) => dateTimeProblems(item, spec[0], `${where}[${index}]`)) : [];
  if (typeof spec !== 'function' || !isRecord(value)) return [];
  return fieldsOf(spec).flatMap((field) => {
    const item = value[field.name];
    const path = `${where}.${field.name}`;
    if (item === null || item === undefined) return [];
    if (field.nested) {
      return Array.isArray(item)
        ? item.flatMap((element, index) => dateTimeProblems(element, field.nested!, `${path}[${index}]`))
        : dateTimeProblems(item, field.nested, path);
    }
    if (field.schema.format !== 'date-time') return [];
    const valid = typeof item === 'string' && ISO_DATETIME.test(item) && !Number.isNaN(Date.parse(item));
    return valid ? [] : [`${path} ${JSON.stringify(item)} is not an ISO 8601 datetime`];
  });
}

/**
 * What is stored is what comes back: a datetime sent with its own offset (or Z) names one instant,
 * and a result field of the same name must name the same one (to the second), in whatever zone it is written.
 */
function instantProblems(result: unknown, fields: Field[], c: Case, where: string): string[] {
  if (!isRecord(result)) return [];
  return fields.flatMap((field) => {
    const sent = c.entries.find(([key]) => key === field.name)?.[1];
    const back = result[field.name];
    if (field.kind !== 'datetime' || typeof sent !== 'string' || !/T.*(?:Z|[+-]\d\d:\d\d)$/.test(sent) || typeof back !== 'string') return [];
    const expected = Math.floor(Date.parse(sent) / 1000);
    const got = Math.floor(Date.parse(back) / 1000);
    return Number.isNaN(expected) || expected === got ? [] : [`${where}.${field.name} ${JSON.stringify(back)} is not the instant sent, ${JSON.stringify(sent)}`];
  });
}

/** Whether a REST call reaches the method's own route: an empty path parameter reaches none, `rates` another. */
function restReachesMethod(method: RegisteredMethod, c: Case, world: World): boolean {
  return [...method.path.matchAll(/:([a-z_]+)/g)].every(([, name]) => {
    const entry = c.entries.find(([key]) => key === name);
    const text = entry ? scalarText(entry[1]) : 'undefined';
    return text !== '' && text !== '.' && text !== '..' && !world.segments.has(text);
  });
}

/** How a call's params travel: all in JSON-RPC params; in a REST query string; in a REST body (perhaps with `__tz` in the query). */
type Carriage = 'rpc' | 'query' | 'body' | 'body, __tz in query';

function restCarriage(method: RegisteredMethod, c: Case): Carriage {
  if (method.verb === 'GET' || method.verb === 'DELETE') return 'query';
  return c.tzInQuery ? 'body, __tz in query' : 'body';
}

/** A value as a query string delivers it: nothing for an empty list, text for one value, a list for several. */
function asQueryValue(value: Json): string | string[] | undefined {
  if (!Array.isArray(value)) return scalarText(value);
  if (value.length === 0) return undefined;
  return value.length === 1 ? scalarText(value[0]) : value.map(scalarText);
}

/** What the server must refuse in a call as it is carried: unknown keys, an unknown `__tz`, lone surrogates. */
function mustRefuse(method: RegisteredMethod, c: Case, carriage: Carriage): string[] {
  const refusals: string[] = [];
  if (c.unknown.length > 0) refusals.push(`unknown keys ${JSON.stringify(c.unknown)}`);
  const tz = c.entries.find(([key]) => key === TZ)?.[1];
  if (tz !== undefined) {
    const delivered = carriage === 'rpc' || carriage === 'body' ? tz : asQueryValue(tz);
    if (delivered !== undefined && !(typeof delivered === 'string' && IANAZone.isValidZone(delivered))) refusals.push(`__tz ${jsonText(tz)}`);
  }
  // A query string or a path cannot carry a lone surrogate (it becomes U+FFFD); JSON can.
  const inJson =
    carriage === 'rpc' ? c.entries
    : carriage === 'query' ? []
    : pathOf(method, c.entries).rest.filter(([key]) => carriage === 'body' || key !== TZ);
  if (inJson.some(([key, value]) => LONE_SURROGATE.test(key) || holdsLoneSurrogate(value))) refusals.push('a lone surrogate');
  return refusals;
}

async function checkCase(world: World, method: RegisteredMethod, fields: Field[], c: Case): Promise<void> {
  const rpcRequest = rpcText(method, c);
  const callRest = () => sendRest(world.t, method, c);
  const callRpc = () => sendRpc(world.t, rpcRequest, c.apiPrefix);
  let rest: { answer: Answer; line: string };
  let rpc: Answer;
  if (c.restFirst) {
    rest = await callRest();
    rpc = await callRpc();
  } else {
    rpc = await callRpc();
    rest = await callRest();
  }
  const sent: Sent = { rest: rest.line, rpc: `POST ${c.apiPrefix ? '/api' : '/'} ${rpcRequest}` };

  const problems: string[] = [];
  const reaches = restReachesMethod(method, c, world);
  const restOutcome = checkRest(rest.answer, problems, !reaches);
  const rpcOutcome = checkRpc(rpc, c.rpcId, problems);
  for (const [protocol, outcome] of [['REST', restOutcome], ['JSON-RPC', rpcOutcome]] as const) {
    if (!outcome?.ok) continue;
    problems.push(...dateTimeProblems(outcome.result, method.options.result, `${protocol}: result`));
    problems.push(...instantProblems(outcome.result, fields, c, `${protocol}: result`));
  }

  // What must be refused as invalid (400 / -32602), as each protocol carries it.
  for (const [protocol, outcome] of [['REST', restOutcome], ['JSON-RPC', rpcOutcome]] as const) {
    if (!outcome || (protocol === 'REST' && !reaches)) continue;
    const refusals = mustRefuse(method, c, protocol === 'REST' ? restCarriage(method, c) : 'rpc');
    if (refusals.length > 0 && (outcome.ok || outcome.status !== 400)) {
      problems.push(`${protocol}: ${refusals.join(', ')} not refused with 400 / -32602 (got ${describeOutcome(outcome)})`);
    }
  }

  // Both protocols answer alike.
  if (restOutcome && rpcOutcome && restIsFaithful(method, fields, c, world)) {
    const read = method.verb === 'GET';
    const invalid = (!restOutcome.ok && restOutcome.status === 400) || (!rpcOutcome.ok && rpcOutcome.status === 400);
    if ((read || invalid) && canonical(restOutcome) !== canonical(rpcOutcome)) {
      problems.push(`protocols disagree: REST ${describeOutcome(restOutcome)} | JSON-RPC ${describeOutcome(rpcOutcome)}`);
    }
  }

  if (problems.length > 0) {
    throw new Error(
      [
        `${method.options.rpc}:`,
        ...problems.map((problem) => `  - ${problem}`),
        `  REST     ${sent.rest}`,
        `           → HTTP ${rest.answer.reply.status} ${rest.answer.reply.text.slice(0, 400)}`,
        `  JSON-RPC ${sent.rpc}`,
        `           → HTTP ${rpc.reply.status} ${rpc.reply.text.slice(0, 400)}`,
      ].join('\n'),
    );
  }
}

// ---------------------------------------------------------------------------------------------

function hash(text: string): number {
  let value = 0;
  for (const char of text) value = (Math.imul(value, 31) + char.charCodeAt(0)) | 0;
  return value;
}

describe('generated params over every registered method (property-based)', () => {
  const world = {} as World;
  let methods: RegisteredMethod[];

  beforeAll(async () => {
    world.t = await startTestApp();
    const t = world.t;
    methods = t.app.get(MethodRegistry).list();
    const usd = await aCurrency(t, 'USD');
    const eur = await aCurrency(t, 'EUR');
    const reseller = await aReseller(t, { name: 'R' });
    const child = await aReseller(t, { name: 'R1', parent_id: reseller.id });
    const user = await aUser(t, { login: 'seeded-user', resellers_id: reseller.id, password: 'password-123' });
    const client = await aClient(t, { name: 'Seeded client', currencies_id: usd.id, resellers_id: reseller.id });
    const transaction = await aTransaction(t, { clients_id: client.id, amount: '5' });
    const rate = await t.rpc('accounting.currencies.rates.create', { currencies_id: usd.id, to_currencies_id: eur.id, rate: '0.9' });
    const users = await t.rpc('iam.users.search', { limit: 1000 });
    world.adminId = (users.body.result as { id: number; login: string }[]).find((row) => row.login === 'admin')!.id;
    world.userId = user.id;
    world.ids = [...new Set([world.adminId, usd.id, eur.id, reseller.id, child.id, user.id, client.id, transaction.id, rate.body.result.id as number])];
    world.names = ['USD', 'EUR', 'R', 'R1', 'seeded-user', 'admin', 'password-123', 'admin-password', 'Seeded client', 'usd'];
    world.segments = new Set(methods.flatMap((method) => method.path.split('/').filter((segment) => segment && !segment.startsWith(':'))));
  });
  afterAll(() => world.t?.close());

  it('keeps every method within its contract, over both protocols', async () => {
    expect(methods.length).toBeGreaterThan(0);
    const failures: string[] = [];
    const deadline = Date.now() + TOTAL_TIME_LIMIT_MS;
    for (const method of methods) {
      const fields = (method.paramsType ? fieldsOf(method.paramsType) : []).map(describeField);
      const seed = (SEED ^ hash(method.options.rpc)) | 0;
      const details = await fc.check(
        fc.asyncProperty(caseArbitrary(method, fields, world), (c) => checkCase(world, method, fields, c)),
        { numRuns: RUNS, seed, interruptAfterTimeLimit: Math.max(1000, Math.min(METHOD_TIME_LIMIT_MS, deadline - Date.now())) },
      );
      if (details.failed) {
        const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        const where = `this method's seed ${details.seed}, path "${details.counterexamplePath}"`;
        failures.push(`${error}\n  (FC_SEED=${SEED} FC_RUNS=${RUNS}: ${where}, after ${details.numRuns} runs and ${details.numShrinks} shrinks)`);
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} of ${methods.length} methods broke a property:\n\n${failures.join('\n\n')}`);
  }, 5 * 60 * 1000);

  it('answers every JSON-RPC call under the id it was sent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methods.map((method) => method.options.rpc)), rpcIdArbitrary, fc.boolean(), async (name, rpcId, apiPrefix) => {
        const method = methods.find((candidate) => candidate.options.rpc === name)!;
        const c: Case = { entries: [], unknown: [], rpcId, restFirst: false, tzInQuery: false, apiPrefix };
        const problems: string[] = [];
        const answer = await sendRpc(world.t, rpcText(method, c), apiPrefix);
        checkRpc(answer, rpcId, problems);
        if (problems.length > 0) {
          throw new Error(`${problems.join('; ')}\n  sent ${rpcText(method, c)}\n  got  HTTP ${answer.reply.status} ${answer.reply.text.slice(0, 300)}`);
        }
      }),
      { numRuns: 60, seed: SEED },
    );
  });
});
