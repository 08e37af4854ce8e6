import { Transform, TransformFnParams } from 'class-transformer';
import {
  ArrayMaxSize,
  arrayMaxSize,
  IsArray,
  isArray,
  IsBoolean,
  isBoolean,
  IsDate,
  isDate,
  IsDefined,
  IsEmail,
  isEmail,
  IsIn,
  isIn,
  IsInt,
  isInt,
  IsOptional,
  IsString,
  isString,
  Length,
  length,
  Matches,
  matches,
  Max,
  max,
  MaxLength,
  maxLength,
  Min,
  min,
  MinLength,
  minLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/**
 * The rules field decorators are made of, each twice: as the class-validator / class-transformer
 * decorator (the reference pipeline) and as a plain function of the value (the compiled one, see
 * compiled-validation.ts). Both halves call the same class-validator checks with the same message.
 */

/** A value's problem under a rule, as class-validator reports it; undefined when it passes. */
export type Problem = (value: unknown) => string | undefined;

export interface Constraint {
  decorator: PropertyDecorator;
  /** Absent when class-validator would rewrite the message (see `verbatim`): such a field is not compiled. */
  problem?: Problem;
}

// class-validator replaces $value, $property, $constraint1… in a message, and uses its own for an empty one.
const verbatim = (message: string) => message !== '' && !/\$(constraint|value|property|target)/.test(message);

type Test = (value: unknown) => boolean;

// Values come from JSON or a query string: a list is an array, never a Set or a Map.
const every = (test: Test): Test => (value) => (Array.isArray(value) ? value.every(test) : test(value));

function rule(decorator: PropertyDecorator, test: Test, message: string, each = false): Constraint {
  const passes = each ? every(test) : test;
  return { decorator, problem: verbatim(message) ? (value) => (passes(value) ? undefined : message) : undefined };
}

const options = (message: string, each: boolean) => ({ message, each });

export const rules = {
  int: (message: string, each = false) => rule(IsInt(options(message, each)), isInt, message, each),
  min: (bound: number, message: string, each = false) => rule(Min(bound, options(message, each)), (value) => min(value, bound), message, each),
  max: (bound: number, message: string, each = false) => rule(Max(bound, options(message, each)), (value) => max(value, bound), message, each),
  string: (message: string, each = false) => rule(IsString(options(message, each)), isString, message, each),
  matches: (pattern: RegExp, message: string, each = false) =>
    rule(Matches(pattern, options(message, each)), (value) => matches(value as string, pattern), message, each),
  minLength: (bound: number, message: string) => rule(MinLength(bound, { message }), (value) => minLength(value, bound), message),
  maxLength: (bound: number, message: string) => rule(MaxLength(bound, { message }), (value) => maxLength(value, bound), message),
  length: (least: number, most: number, message: string, each = false) =>
    rule(Length(least, most, options(message, each)), (value) => length(value, least, most), message, each),
  in: (values: readonly string[], message: string, each = false) =>
    rule(IsIn(values as string[], options(message, each)), (value) => isIn(value, values as string[]), message, each),
  boolean: (message: string) => rule(IsBoolean({ message }), isBoolean, message),
  array: (message: string) => rule(IsArray({ message }), isArray, message),
  arrayMaxSize: (bound: number, message: string) => rule(ArrayMaxSize(bound, { message }), (value) => arrayMaxSize(value, bound), message),
  email: (message: string) => {
    const settings = {}; // validator.js fills in its defaults: one object for both halves, as class-validator keeps one
    return rule(IsEmail(settings, { message }), (value) => isEmail(value, settings), message);
  },
  date: (message: string) => rule(IsDate({ message }), isDate, message),
  /** A check of the project's own, under a class-validator name. */
  custom: (name: string, test: Test, message: string, each = false) =>
    rule(ValidateBy({ name, validator: { validate: test } }, options(message, each)), test, message, each),
  /** A custom check whose message depends on the value. Its messages must hold none of the tokens `verbatim` looks for. */
  described: (name: string, problem: Problem, fallback: string): Constraint => ({
    decorator: ValidateBy({
      name,
      validator: { validate: (value) => problem(value) === undefined, defaultMessage: (args) => problem(args?.value) ?? fallback },
    }),
    problem,
  }),
};

export const REQUIRED_MESSAGE = 'is required';

/** Which values skip a field's checks, and whether a value left must be present; with the decorators saying the same. */
export interface Presence {
  decorators: PropertyDecorator[];
  skipUndefined: boolean;
  skipNull: boolean;
  /** IsDefined: undefined and null (when not skipped) are refused as required. */
  defined: boolean;
}

/** Optional fields may be absent; nullable fields may also be null. */
export function presence(optional: boolean | undefined, nullable: boolean | undefined): Presence {
  if (optional && nullable) return { decorators: [IsOptional()], skipUndefined: true, skipNull: true, defined: false };
  if (optional) return { decorators: [ValidateIf((_, value) => value !== undefined)], skipUndefined: true, skipNull: false, defined: false };
  const defined = IsDefined({ message: REQUIRED_MESSAGE });
  if (nullable) return { decorators: [ValidateIf((_, value) => value !== null), defined], skipUndefined: false, skipNull: true, defined: true };
  return { decorators: [defined], skipUndefined: false, skipNull: false, defined: true };
}

/** Turns a raw value into the field's type, or leaves it for the checks to refuse. */
export type Converter = (value: unknown) => unknown;

const converters = new WeakMap<object, Converter>();

/** class-transformer's @Transform running a converter; the compiled path runs the converter itself. */
export function transformBy(convert: Converter): PropertyDecorator {
  const transform = ({ value }: TransformFnParams): unknown => convert(value);
  converters.set(transform, convert);
  return Transform(transform);
}

/** The converter behind a @Transform made by `transformBy`; undefined for any other. */
export const converterBehind = (transform: object): Converter | undefined => converters.get(transform);
