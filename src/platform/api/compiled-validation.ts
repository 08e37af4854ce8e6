import type { Type } from '@nestjs/common';
import { TransformationType } from 'class-transformer';
import type { MetadataStorage as TransformStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage } from 'class-validator';
import { ValidationFailed } from '../errors/domain-error';
import { FieldCheck, fieldsOf, FieldSpec } from './fields';
import { converterBehind, Converter, REQUIRED_MESSAGE } from './rules';

/**
 * Params validation without class-transformer and class-validator at run time: each field
 * decorator recorded its rules as plain functions (FieldCheck), and a params class gets one
 * validator built from them, once. It produces what the reference pipeline (plainToInstance, then
 * validate with stopAtFirstError) produces: the same instance, or the same problems in the same
 * order. A class whose metadata holds anything its field decorators did not put there is left to
 * the reference pipeline; compiled-validation.spec.ts holds both to the same answers.
 */

type RawParams = Record<string, unknown>;

/** Validated params, or ValidationFailed thrown. Raw params must have passed validate-params' own checks (known keys, no objects). */
export type CompiledValidator = (raw: RawParams) => object;

// class-transformer keeps @Transform's metadata in a storage its index does not export (@nestjs/mapped-types reads it so too).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const transforms = (require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformStorage }).defaultMetadataStorage;

/** The problem of a converted value, as class-validator reports it: skipped, required, then the first rule failed. */
function checkOf(check: FieldCheck, problems: NonNullable<FieldCheck['problems']>): (value: unknown) => string | undefined {
  const { skipUndefined, skipNull, defined } = check;
  return (value) => {
    if (value === undefined ? skipUndefined : value === null && skipNull) return undefined;
    if (defined && (value === undefined || value === null)) return REQUIRED_MESSAGE;
    for (const problem of problems) {
      const found = problem(value);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

// What plainToInstance does to a value before @Transform: primitives as they are, arrays copied (holes dropped).
// ExactNumber, the one object allowed through, is copied to an equal ExactNumber; no check tells the two apart.
function copied(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const copy: unknown[] = [];
  value.forEach((item) => copy.push(item));
  return copy;
}

interface CompiledField {
  name: string;
  convert?: Converter;
  check: (value: unknown) => string | undefined;
}

/**
 * The field compiled, or undefined when its metadata is not exactly its decorator's: a foreign
 * decorator, a redeclaration that keeps a parent's rule, a name the class itself defines.
 */
function compileField(type: Type<object>, field: FieldSpec, validations: { target: unknown }[]): CompiledField | undefined {
  const { check, name } = field;
  if (!check?.problems || name in type.prototype) return undefined;
  if (validations.length !== check.decorators || validations.some((metadata) => metadata.target !== check.owner)) return undefined;
  // Parents' @Transform of a redeclared field run too: fine when they are the same converter (converters are idempotent).
  const applied = transforms.findTransformMetadatas(type, name, TransformationType.PLAIN_TO_CLASS);
  if (applied.some((metadata) => converterBehind(metadata.transformFn) !== check.convert)) return undefined;
  if ((applied.length > 0) !== (check.convert !== undefined)) return undefined;
  return { name, convert: check.convert, check: checkOf(check, check.problems) };
}

/** @Expose, @Exclude or @Type on the class or a parent: plainToInstance would not copy keys as they are. */
function reshapedByTransformer(type: Type<object>, names: string[]): boolean {
  return (
    transforms.getStrategy(type) !== 'none' ||
    transforms.getExposedMetadatas(type).length > 0 ||
    transforms.getExcludedMetadatas(type).length > 0 ||
    names.some((name) => transforms.findTypeMetadata(type, name) !== undefined)
  );
}

function compile(type: Type<object>): CompiledValidator | undefined {
  const storage = getMetadataStorage();
  // Checked in class-validator's order (own properties first, then inherited ones), which is the problems' order.
  const groups = storage.groupByPropertyName(storage.getTargetValidationMetadatas(type, '', false, false));
  const fields = new Map(fieldsOf(type).map((field) => [field.name, field]));
  const ordered: CompiledField[] = [];
  for (const [name, validations] of Object.entries(groups)) {
    const field = fields.get(name);
    const compiled = field && compileField(type, field, validations);
    if (!compiled) return undefined;
    ordered.push(compiled);
  }
  if (ordered.length !== fields.size || reshapedByTransformer(type, [...fields.keys()])) return undefined;
  // An own property of a fresh instance with no rules would be refused by class-validator's whitelist.
  if (Object.keys(new type()).some((key) => !fields.has(key))) return undefined;
  const byName = new Map(ordered.map((field) => [field.name, field]));

  return (raw) => {
    const instance = new type() as Record<string, unknown>;
    // As plainToInstance: each key sent, in order, set (undefined included) to its converted value.
    for (const key of Object.keys(raw)) {
      const convert = byName.get(key)?.convert;
      const value = copied(raw[key]);
      instance[key] = convert ? convert(value) : value;
    }
    let problems: Record<string, string> | undefined;
    for (const field of ordered) {
      const problem = field.check(instance[field.name]);
      if (problem !== undefined) (problems ??= {})[field.name] = problemText(field.name, problem);
    }
    if (problems) throw new ValidationFailed(problems);
    return instance;
  };
}

const validators = new WeakMap<Type<object>, CompiledValidator | null>();

/** The class's compiled validator, built on first use; undefined when the class is left to the reference pipeline. */
export function compiledValidatorOf(type: Type<object>): CompiledValidator | undefined {
  let validator = validators.get(type);
  if (validator === undefined) {
    validator = compile(type) ?? null;
    validators.set(type, validator);
  }
  return validator ?? undefined;
}

/** A problem as the reference pipeline words it: class-validator's whitelist message means an unknown key. */
export function problemText(property: string, message: string): string {
  return message.startsWith(`property ${property} `) ? 'is not allowed' : message;
}
