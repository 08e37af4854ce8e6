import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { BusinessRuleViolation, NotFound } from '../../../platform/errors/domain-error';
import { isForeignKeyViolation, isUniqueViolation } from '../../../platform/database/query-errors';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { CurrencyEntity } from './currency.entity';
import {
  CreateCurrencyParams,
  CURRENCY_ORDERS,
  SearchCurrenciesParams,
  UpdateCurrencyParams,
} from './dto/currency.dto';

const OBJECT_NAME = 'currencies';

/** Columns that, in any table, point at a currency and so keep it from being deleted. */
const REFERENCING_COLUMNS = ['currencies_id', 'to_currencies_id'];

const SEARCH: SearchSpec<SearchCurrenciesParams> = {
  orders: CURRENCY_ORDERS,
  quickSearch: ['name', 'description'],
  lists: { name: 'name' },
};

@Injectable()
export class CurrenciesService {
  constructor(
    @InjectRepository(CurrencyEntity) private readonly currencies: Repository<CurrencyEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

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

  search(params: SearchCurrenciesParams): Promise<CurrencyEntity[]> {
    return applySearch(this.currencies.createQueryBuilder('currency'), params, SEARCH).getMany();
  }

  async update({ id, ...changes }: UpdateCurrencyParams): Promise<number> {
    const currency = await this.get(id);
    await this.saveUnique(this.currencies.merge(currency, changes));
    return 1;
  }

  async delete(id: number): Promise<number> {
    await this.get(id);
    if (await this.isReferenced(id)) throw inUse(id);
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

  /** Looks in every table with a currency reference, so tables added later are covered without change here. */
  private async isReferenced(id: number): Promise<boolean> {
    for (const metadata of this.dataSource.entityMetadatas) {
      const columns = metadata.columns.filter((column) => REFERENCING_COLUMNS.includes(column.databaseName));
      if (columns.length === 0) continue;
      const referenced = await this.dataSource
        .createQueryBuilder()
        .select('1', 'found')
        .from(metadata.target, 'referrer')
        .where(columns.map((column) => `referrer.${column.propertyPath} = :id`).join(' OR '), { id })
        .limit(1)
        .getRawOne();
      if (referenced) return true;
    }
    return false;
  }
}

function inUse(id: number): BusinessRuleViolation {
  return new BusinessRuleViolation('currencies-in-use', `currency #${id} is used by other records and cannot be deleted`);
}
