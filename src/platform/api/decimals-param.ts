import { RequestContexts } from '../context/request-context';
import { ValidationFailed } from '../errors/domain-error';
import type { RawParams } from './validate-params';

/** The protocol extension that asks for decimals as JSON strings (SPEC §4b), read like `__tz`. */
export const DECIMALS_PARAM = '__decimals';
export const DECIMALS_FORMS = ['string', 'number'] as const;
export type DecimalsForm = (typeof DECIMALS_FORMS)[number];

/**
 * Takes `__decimals` out of a call's raw params and records the form its result's decimals take.
 * Without it (nearly every call) this is one property read: the params are passed on untouched.
 */
export function takeDecimalsForm(raw: RawParams): RawParams {
  const asked = raw[DECIMALS_PARAM];
  if (asked === undefined) return raw;
  if (asked !== 'string' && asked !== 'number') throw ValidationFailed.field(DECIMALS_PARAM, 'must be string or number');
  const { [DECIMALS_PARAM]: _taken, ...rest } = raw;
  if (asked === 'string') RequestContexts.require().decimals = 'string';
  return rest;
}
