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
  const problems: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!known.has(key)) problems[key] = 'is not allowed';
    else if (holdsObject(value)) problems[key] = 'must not be an object';
  }
  if (Object.keys(problems).length > 0) throw new ValidationFailed(problems);
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
