import { Injectable } from '@nestjs/common';
import type { EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import { Principal } from '../auth/principal';
import { BusinessRuleViolation } from '../errors/domain-error';
import { Tenancy } from '../tenancy/tenancy';
import { Database } from './database';

/**
 * Rows of one table that point at rows of another and so keep them in use, declared by the module
 * that owns the referring table, with the 422 the referenced row's delete then meets. Nothing scans
 * the schema: a new table with a `clients_id` column blocks nothing until its module says so.
 */
export interface Reference {
  /** The referring entity and its column, e.g. TransactionEntity and `clients_id`. */
  from: EntityTarget<ObjectLiteral>;
  column: string;
  /** Only rows like these keep the referenced row in use (e.g. active ones). */
  where?: FindOptionsWhere<ObjectLiteral>;
  /** The referenced entity. */
  to: Function;
  /** The error's `data.code`, e.g. `clients-has-transactions`. */
  code: string;
  /** What holds the row, e.g. `client #4 has transactions`; the action's consequence is added to it. */
  describe: (id: number) => string;
}

const DECLARED: Reference[] = [];

export const References = {
  /** Declares references; called once by the module that owns the referring table. */
  declare(...references: Reference[]): void {
    DECLARED.push(...references);
  },
};

@Injectable()
export class ReferenceChecks {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
  ) {}

  /**
   * The first declared reference that holds the row, or undefined. It looks as the system: a
   * currency used by another reseller's client is in use all the same.
   */
  async holding(target: Function, id: number): Promise<Reference | undefined> {
    return this.tenancy.runAs(Principal.system('references'), async () => {
      for (const reference of DECLARED.filter((each) => each.to === target)) {
        const where = { ...reference.where, [reference.column]: id };
        if (await this.db.repository(reference.from).exists({ where })) return reference;
      }
      return undefined;
    });
  }

  /** Refuses what is being done (`consequence`, e.g. " and cannot be deleted") while a declared reference holds the row. */
  async ensureFree(target: Function, id: number, consequence = ' and cannot be deleted'): Promise<void> {
    const reference = await this.holding(target, id);
    if (reference) throw new BusinessRuleViolation(reference.code, `${reference.describe(id)}${consequence}`);
  }
}
