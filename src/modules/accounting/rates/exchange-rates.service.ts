import { Injectable } from '@nestjs/common';
import Decimal from '../../../platform/money/decimal';
import { LessThanOrEqual, Repository } from 'typeorm';
import { BusinessRuleViolation, NotFound, ValidationFailed } from '../../../platform/errors/domain-error';
import { isUniqueViolation } from '../../../platform/database/query-errors';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { CurrenciesService } from '../currencies/currencies.service';
import { fits, RATE, toScale } from '../money';
import { CreateExchangeRateParams, GetRateParams, RATE_ORDERS, SearchExchangeRatesParams } from './dto/exchange-rate.dto';
import { ExchangeRateEntity } from './exchange-rate.entity';
import { Database } from '../../../platform/database/database';

const OBJECT_NAME = 'currencies.rates';

const SEARCH: SearchSpec<SearchExchangeRatesParams> = {
  orders: RATE_ORDERS,
  quickSearch: [],
  lists: { currencies_id: 'currencies_id', to_currencies_id: 'to_currencies_id' },
};

export interface RateInEffect {
  rate: Decimal;
  effective_from: Date | null;
  currencies_id: number;
  to_currencies_id: number;
}

@Injectable()
export class ExchangeRatesService {
  constructor(
    private readonly db: Database,
    private readonly currencies: CurrenciesService,
  ) {}

  private get rates(): Repository<ExchangeRateEntity> {
    return this.db.repository(ExchangeRateEntity);
  }

  /** Stores the rate and its reverse (1/rate, rounded half-even to the rate scale) in one database transaction. */
  async create({ currencies_id, to_currencies_id, rate, effective_from }: CreateExchangeRateParams): Promise<ExchangeRateEntity> {
    if (currencies_id === to_currencies_id) throw ValidationFailed.field('to_currencies_id', 'must differ from currencies_id');
    await this.currencies.get(currencies_id);
    await this.currencies.get(to_currencies_id);
    const reverse = toScale(new Decimal(1).div(rate), RATE);
    if (!fits(reverse, RATE)) throw ValidationFailed.field('rate', 'is too small: its reverse 1/rate does not fit');
    const from = effective_from ?? new Date();
    try {
      const created = await this.db.transaction(async (manager) => {
        const [forward] = await manager.save(ExchangeRateEntity, [
          manager.create(ExchangeRateEntity, { currencies_id, to_currencies_id, rate, effective_from: from }),
          manager.create(ExchangeRateEntity, { currencies_id: to_currencies_id, to_currencies_id: currencies_id, rate: reverse, effective_from: from }),
        ]);
        return forward;
      });
      return this.get(created.id);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new BusinessRuleViolation(
        'currencies-rates-exist',
        `a rate between currencies #${currencies_id} and #${to_currencies_id} is already in effect from that instant`,
      );
    }
  }

  async get(id: number): Promise<ExchangeRateEntity> {
    const rate = await this.rates.findOneBy({ id });
    if (!rate) throw new NotFound(OBJECT_NAME, id);
    return rate;
  }

  search(params: SearchExchangeRatesParams): Promise<ExchangeRateEntity[]> {
    return applySearch(this.rates.createQueryBuilder('rate'), params, SEARCH).getMany();
  }

  /** Deletes the rate with its reverse; answers the rows deleted (2, or 1 if the reverse was gone). */
  async delete(id: number): Promise<number> {
    const rate = await this.get(id);
    return this.db.transaction(async (manager) => {
      const reverse = await manager.findOneBy(ExchangeRateEntity, {
        currencies_id: rate.to_currencies_id,
        to_currencies_id: rate.currencies_id,
        effective_from: rate.effective_from,
      });
      await manager.remove(ExchangeRateEntity, reverse ? [rate, reverse] : [rate]);
      return reverse ? 2 : 1;
    });
  }

  /** The rate asked for by ids or ISO codes. */
  async rateFor(params: GetRateParams): Promise<RateInEffect> {
    const from = await this.currencyId(params.currencies_id, params.from, 'currencies_id', 'from');
    const to = await this.currencyId(params.to_currencies_id, params.to, 'to_currencies_id', 'to');
    return this.rateAt(from, to, params.dt ?? new Date());
  }

  /** The latest rate from one currency to another with effective_from ≤ dt; the same currency is 1. */
  async rateAt(from: number, to: number, dt: Date): Promise<RateInEffect> {
    if (from === to) return { rate: new Decimal(1), effective_from: null, currencies_id: from, to_currencies_id: to };
    const rate = await this.rates.findOne({
      where: { currencies_id: from, to_currencies_id: to, effective_from: LessThanOrEqual(dt) },
      order: { effective_from: 'DESC' },
    });
    if (!rate) throw new NotFound(OBJECT_NAME, `${from}:${to}`);
    return { rate: rate.rate, effective_from: rate.effective_from, currencies_id: from, to_currencies_id: to };
  }

  private async currencyId(id: number | undefined, code: string | undefined, idField: string, codeField: string): Promise<number> {
    if (id !== undefined && code !== undefined) throw ValidationFailed.field(codeField, `give either ${idField} or ${codeField}, not both`);
    if (id !== undefined) return (await this.currencies.get(id)).id;
    if (code !== undefined) return (await this.currencies.getByName(code)).id;
    throw ValidationFailed.field(idField, `is required (or ${codeField}, an ISO code)`);
  }
}
