import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { Database } from '../../../platform/database/database';
import { BusinessRuleViolation, NotFound } from '../../../platform/errors/domain-error';
import { isForeignKeyViolation, isUniqueViolation } from '../../../platform/database/query-errors';
import { ReferenceChecks } from '../../../platform/database/references';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { CurrencyEntity } from './currency.entity';
import {
  CreateCurrencyParams,
  CURRENCY_ORDERS,
  SearchCurrenciesParams,
  UpdateCurrencyParams,
} from './dto/currency.dto';

const OBJECT_NAME = 'currencies';

const SEARCH: SearchSpec<SearchCurrenciesParams> = {
  orders: CURRENCY_ORDERS,
  quickSearch: ['name', 'description'],
  lists: { name: 'name' },
};

@Injectable()
export class CurrenciesService {
  constructor(
    private readonly db: Database,
    private readonly references: ReferenceChecks,
  ) {}

  private get currencies(): Repository<CurrencyEntity> {
    return this.db.repository(CurrencyEntity);
  }

  async create(params: CreateCurrencyParams): Promise<CurrencyEntity> {
    const currency = this.currencies.create(params);
    await this.saveUnique(currency);
    return this.get(currency.id);
  }

  async get(id: number): Promise<CurrencyEntity> {
    const currency = await this.currencies.findOneBy({ id });
    if (!currency) throw new NotFound(OBJECT_NAME, id);
    return currency;
  }

  async getByName(name: string): Promise<CurrencyEntity> {
    const currency = await this.currencies.findOneBy({ name });
    if (!currency) throw new NotFound(OBJECT_NAME, name);
    return currency;
  }

  search(params: SearchCurrenciesParams): Promise<CurrencyEntity[]> {
    return applySearch(this.currencies.createQueryBuilder('currency'), params, SEARCH).getMany();
  }

  async update({ id, ...changes }: UpdateCurrencyParams): Promise<number> {
    await this.get(id);
    await this.saveUnique(this.currencies.create({ ...changes, id }));
    return 1;
  }

  async delete(id: number): Promise<number> {
    await this.get(id);
    await this.references.ensureFree(CurrencyEntity, id);
    try {
      return (await this.currencies.delete({ id })).affected ?? 0;
    } catch (error) {
      if (isForeignKeyViolation(error)) throw inUse(id); // referenced since the check above
      throw error;
    }
  }

  private async saveUnique(currency: CurrencyEntity): Promise<void> {
    try {
      await this.currencies.save(currency);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new BusinessRuleViolation('currencies-name-taken', `a currency named ${currency.name} already exists`);
      }
      throw error;
    }
  }
}

function inUse(id: number): BusinessRuleViolation {
  return new BusinessRuleViolation('currencies-in-use', `currency #${id} is used by other records and cannot be deleted`);
}
