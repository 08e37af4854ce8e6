import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { Database } from '../../../platform/database/database';
import { ReferenceChecks } from '../../../platform/database/references';
import { BusinessRuleViolation } from '../../../platform/errors/domain-error';
import { applySearch, SearchSpec } from '../../../platform/search/search';
import { Tenancy } from '../../../platform/tenancy/tenancy';
import { CreateResellerParams, RESELLER_ORDERS, SearchResellersParams, UpdateResellerParams } from './dto/reseller.dto';
import { ResellerEntity } from './reseller.entity';
import { ResellerTree } from './reseller-tree';

const SEARCH: SearchSpec<SearchResellersParams> = {
  orders: RESELLER_ORDERS,
  quickSearch: ['name'],
  lists: { status: 'status', parent_id: 'parent_id' },
};

@Injectable()
export class ResellersService {
  constructor(
    private readonly db: Database,
    private readonly references: ReferenceChecks,
    private readonly tenancy: Tenancy,
    private readonly tree: ResellerTree,
  ) {}

  private get resellers(): Repository<ResellerEntity> {
    return this.db.repository(ResellerEntity);
  }

  async create({ name, parent_id }: CreateResellerParams): Promise<ResellerEntity> {
    const reseller = await this.placeUnder(parent_id, () => this.resellers.save(this.resellers.create({ name, parent_id: parent_id ?? null })));
    return this.get(reseller.id);
  }

  get(id: number): Promise<ResellerEntity> {
    return this.tenancy.findOne(this.resellers, id);
  }

  search(params: SearchResellersParams): Promise<ResellerEntity[]> {
    return applySearch(this.resellers.createQueryBuilder('reseller'), params, SEARCH).getMany();
  }

  /**
   * A move is checked and written in one transaction that holds the tree (see ResellerTree.lock),
   * so two moves at once, from any number of processes, can never make a cycle between them.
   */
  async update({ id, ...changes }: UpdateResellerParams): Promise<number> {
    const moving = changes.parent_id !== undefined && changes.parent_id !== null;
    return this.db.transaction(async () => {
      if (moving || changes.status === 'deleted') await this.tree.lock();
      const reseller = await this.get(id);
      if (moving && changes.parent_id !== reseller.parent_id) {
        await this.ensurePlaceable(changes.parent_id);
        if ((await this.tree.subtree(id)).includes(changes.parent_id!)) {
          throw new BusinessRuleViolation('resellers-cycle', `reseller #${id} cannot be moved beneath itself`);
        }
      }
      if (changes.status === 'deleted' && reseller.status !== 'deleted') await this.references.ensureFree(ResellerEntity, id);
      await this.resellers.save(this.resellers.create({ ...changes, id }));
      return 1;
    });
  }

  /** Marks the reseller deleted; refused while anything active still belongs to it. */
  async delete(id: number): Promise<number> {
    return this.db.transaction(async () => {
      // Held against anything being placed under it meanwhile (see placeUnder).
      await this.tree.lock();
      const reseller = await this.get(id);
      if (reseller.status === 'deleted') return 1;
      await this.references.ensureFree(ResellerEntity, id);
      await this.resellers.save(this.resellers.create({ id, status: 'deleted' }));
      return 1;
    });
  }

  /**
   * Runs `write` (which puts something under reseller `id`) in one transaction with the reseller
   * checked placeable and the tree held against a delete or a move until it commits.
   */
  placeUnder<T>(id: number | null | undefined, write: () => Promise<T>): Promise<T> {
    return this.db.transaction(async () => {
      await this.ensurePlaceable(id);
      return write();
    });
  }

  /**
   * Checks a reseller to place something under: within reach and not deleted (none: nothing to
   * check). Inside a transaction, which then holds the tree shared until it ends.
   */
  async ensurePlaceable(id: number | null | undefined): Promise<void> {
    if (id === null || id === undefined) return;
    await this.tree.lock('shared');
    const reseller = await this.get(id);
    if (reseller.status === 'deleted') {
      throw new BusinessRuleViolation('resellers-deleted', `reseller #${id} is deleted`);
    }
  }
}
