import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { ValidationFailed } from '../errors/domain-error';
import { ExactNumber } from '../http/exact-number';
import { fieldsOf } from './fields';

export type RawParams = Record<string, unknown>;

/** Validated, typed parameters of a method; the one pipeline for REST and JSON-RPC alike. */
export async function validateParams<T extends object>(type: Type<T> | undefined, raw: RawParams): Promise<T> {
  const known = new Set(type ? fieldsOf(type).map((field) => field.name) : []);
  // Entries, not assignments: an own `__proto__` key (JSON.parse makes one) is reported like any other.
  const problems = Object.entries(raw).flatMap(([key, value]): [string, string][] => {
    if (!known.has(key)) return [[key, 'is not allowed']];
    if (holdsObject(value)) return [[key, 'must not be an object']];
    if (holdsIllFormedText(value)) return [[key, 'must be valid Unicode text']];
    return [];
  });
  if (problems.length > 0) throw new ValidationFailed(Object.fromEntries(problems));
  // Nothing declared, nothing sent: nothing to validate.
  if (!type || known.size === 0) return (type ? new type() : {}) as T;

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
    if (message) problems[path] = message.startsWith(`property ${error.property} `) ? 'is not allowed' : message;
    Object.assign(problems, collectProblems(error.children ?? [], `${path}.`));
  }
  return problems;
}
