import { IdField, IntField, ResultField, StringField, StringListField } from '../../../../platform/api/fields';
import { QuickSearchParams } from '../../../../platform/search/search-params';

const ISO_CODE = /^[A-Z]{3}$/;
const ISO_CODE_MESSAGE = 'must be an ISO 4217 code: three capital letters, e.g. USD';
const PRECISION = { min: 0, max: 10 } as const;

export class CreateCurrencyParams {
  @StringField({ maxLength: 3, pattern: ISO_CODE, patternMessage: ISO_CODE_MESSAGE, example: 'USD', description: 'ISO 4217 code, unique' })
  name: string;

  @StringField({ optional: true, nullable: true, maxLength: 255, example: 'US dollar' })
  description?: string | null;

  @IntField({ optional: true, ...PRECISION, default: 4, description: 'Decimal places of exchange rates' })
  rates_precision?: number;

  @IntField({ optional: true, ...PRECISION, default: 4, description: 'Decimal places of detailed amounts' })
  details_precision?: number;

  @IntField({ optional: true, ...PRECISION, default: 2, description: 'Decimal places of totals' })
  totals_precision?: number;
}

export class UpdateCurrencyParams {
  @IdField({ description: 'Currency id' })
  id: number;

  @StringField({ optional: true, maxLength: 3, pattern: ISO_CODE, patternMessage: ISO_CODE_MESSAGE, example: 'EUR' })
  name?: string;

  @StringField({ optional: true, nullable: true, maxLength: 255 })
  description?: string | null;

  @IntField({ optional: true, ...PRECISION })
  rates_precision?: number;

  @IntField({ optional: true, ...PRECISION })
  details_precision?: number;

  @IntField({ optional: true, ...PRECISION })
  totals_precision?: number;
}

export const CURRENCY_ORDERS = ['id', 'name', 'c_dt'] as const;

export class SearchCurrenciesParams extends QuickSearchParams {
  @StringListField({ maxItems: 1000, maxLength: 3, description: 'Only these ISO codes', example: ['USD', 'EUR'] })
  name?: string[];
}

export class Currency {
  @ResultField({ type: 'integer' }, { example: 1 })
  id: number;

  @ResultField({ type: 'string' }, { example: 'USD', description: 'ISO 4217 code' })
  name: string;

  @ResultField({ type: 'string' }, { nullable: true, example: 'US dollar' })
  description: string | null;

  @ResultField({ type: 'integer' }, { example: 4 })
  rates_precision: number;

  @ResultField({ type: 'integer' }, { example: 4 })
  details_precision: number;

  @ResultField({ type: 'integer' }, { example: 2 })
  totals_precision: number;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00', description: 'Created at' })
  c_dt: string;
}
