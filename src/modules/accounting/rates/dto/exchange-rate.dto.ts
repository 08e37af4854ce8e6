import type Decimal from 'decimal.js';
import { DateTimeField, DecimalField, IdField, IdListField, DecimalResultField, ResultField, StringField } from '../../../../platform/api/fields';
import { SearchParams } from '../../../../platform/search/search-params';
import { digitsOf, RATE } from '../../money';

const ISO_CODE = { maxLength: 3, pattern: /^[A-Z]{3}$/, patternMessage: 'must be an ISO 4217 code: three capital letters, e.g. USD' };

export class CreateExchangeRateParams {
  @IdField({ description: 'From this currency' })
  currencies_id: number;

  @IdField({ description: 'To this currency' })
  to_currencies_id: number;

  @DecimalField({ ...digitsOf(RATE), min: 0, exclusiveMin: true, description: 'Units of to_currencies_id one unit of currencies_id is worth', example: 0.9215 })
  rate: Decimal;

  @DateTimeField({ optional: true, description: 'In effect from this instant on (default: now)' })
  effective_from?: Date;
}

export const RATE_ORDERS = ['id', 'effective_from', 'c_dt'] as const;

export class SearchExchangeRatesParams extends SearchParams {
  @IdListField()
  currencies_id?: number[];

  @IdListField()
  to_currencies_id?: number[];
}

export class GetRateParams {
  // No example: the ISO codes are the example (Swagger UI would send ids and codes together).
  @IdField({ optional: true, example: undefined, description: 'From this currency (or give its ISO code as `from`)' })
  currencies_id?: number;

  @IdField({ optional: true, example: undefined, description: 'To this currency (or give its ISO code as `to`)' })
  to_currencies_id?: number;

  @StringField({ optional: true, ...ISO_CODE, example: 'USD', description: 'From this currency, by ISO 4217 code (instead of currencies_id)' })
  from?: string;

  @StringField({ optional: true, ...ISO_CODE, example: 'EUR', description: 'To this currency, by ISO 4217 code (instead of to_currencies_id)' })
  to?: string;

  @DateTimeField({ optional: true, example: undefined, description: 'The instant the rate is asked for (default: now)' })
  dt?: Date;
}

export class ExchangeRate {
  @ResultField({ type: 'integer' }, { example: 1 })
  id: number;

  @ResultField({ type: 'integer' }, { example: 1 })
  currencies_id: number;

  @ResultField({ type: 'integer' }, { example: 2 })
  to_currencies_id: number;

  @DecimalResultField({ example: 0.9215, description: 'Units of to_currencies_id one unit of currencies_id is worth' })
  rate: number;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T00:00:00+00:00' })
  effective_from: string;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  c_dt: string;
}

export class RateInEffect {
  @DecimalResultField({ example: 0.9215, description: 'Units of to_currencies_id one unit of currencies_id is worth' })
  rate: number;

  @ResultField({ type: 'string', format: 'date-time' }, { nullable: true, description: 'Null when both currencies are the same (rate 1)' })
  effective_from: string | null;

  @ResultField({ type: 'integer' }, { example: 1 })
  currencies_id: number;

  @ResultField({ type: 'integer' }, { example: 2 })
  to_currencies_id: number;
}
