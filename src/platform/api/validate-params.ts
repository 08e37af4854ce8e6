import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { ValidationFailed } from '../errors/domain-error';
import { ExactNumber } from '../http/exact-number';
import { compiledValidatorOf, CompiledValidator, problemText } from './compiled-validation';
import { fieldsOf } from './fields';

export type RawParams = Record<string, unknown>;

/** What a params class's validation needs, worked out once per class. */
interface ParamsClass {
  known: Set<string>;
  /** Absent when the class is left to the reference pipeline (see compiled-validation.ts). */
  compiled?: CompiledValidator;
}

const classes = new WeakMap<Type<object>, ParamsClass>();
const NO_PARAMS: ParamsClass = { known: new Set() };

function paramsClass(type: Type<object> | undefined): ParamsClass {
  if (!type) return NO_PARAMS;
  let found = classes.get(type);
  if (!found) {
    const known = new Set(fieldsOf(type).map((field) => field.name));
    found = { known, compiled: known.size > 0 ? compiledValidatorOf(type) : undefined };
    classes.set(type, found);
  }
  return found;
}

/** Validated, typed parameters of a method; the one pipeline for REST and JSON-RPC alike. */
export async function validateParams<T extends object>(type: Type<T> | undefined, raw: RawParams): Promise<T> {
  const { known, compiled } = paramsClass(type);
  refuseUnexpected(raw, known);
  // Nothing declared, nothing sent: nothing to validate.
  if (!type || known.size === 0) return (type ? new type() : {}) as T;
  return (compiled ? compiled(raw) : await validateByReference(type, raw)) as T;
}

/**
 * validateParams through class-transformer and class-validator alone: the reference the compiled
 * validators are held to (compiled-validation.spec.ts), and the pipeline of classes not compiled.
 */
export async function validateParamsByReference<T extends object>(type: Type<T> | undefined, raw: RawParams): Promise<T> {
  const known = new Set(type ? fieldsOf(type).map((field) => field.name) : []);
  refuseUnexpected(raw, known);
  if (!type || known.size === 0) return (type ? new type() : {}) as T;
  return validateByReference(type, raw);
}

async function validateByReference<T extends object>(type: Type<T>, raw: RawParams): Promise<T> {
  const instance = plainToInstance(type, raw);
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new ValidationFailed(collectProblems(errors));
  return instance;
}

/** Unknown keys, objects and ill-formed text, refused before any field is read. */
function refuseUnexpected(raw: RawParams, known: Set<string>): void {
  let problems: [string, string][] | undefined;
  // Keys, not assignments: an own `__proto__` key (JSON.parse makes one) is reported like any other.
  for (const key of Object.keys(raw)) {
    const problem = unexpected(raw[key], known.has(key));
    if (problem) (problems ??= []).push([key, problem]);
  }
  if (problems) throw new ValidationFailed(Object.fromEntries(problems));
}

function unexpected(value: unknown, known: boolean): string | undefined {
  if (!known) return 'is not allowed';
  if (holdsObject(value)) return 'must not be an object';
  if (holdsIllFormedText(value)) return 'must be valid Unicode text';
  return undefined;
}

const isObject = (value: unknown) => value !== null && typeof value === 'object' && !(value instanceof ExactNumber);

/** No field takes objects: refusing them here keeps crafted ones (e.g. a `constructor` key) from the transformer. */
function holdsObject(value: unknown): boolean {
  return Array.isArray(value) ? value.some(isObject) : isObject(value);
}

// With the u flag a surrogate pair is one code point: only a lone surrogate is in category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** Text that no UTF-8 can carry (a lone surrogate from a `\ud800` escape): refused rather than stored altered. */
function holdsIllFormedText(value: unknown): boolean {
  return Array.isArray(value) ? value.some(holdsIllFormedText) : typeof value === 'string' && LONE_SURROGATE.test(value);
}

function collectProblems(errors: ValidationError[], prefix = ''): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const error of errors) {
    const path = prefix + error.property;
    const message = Object.values(error.constraints ?? {})[0];
    if (message) problems[path] = problemText(error.property, message);
    Object.assign(problems, collectProblems(error.children ?? [], `${path}.`));
  }
  return problems;
}
