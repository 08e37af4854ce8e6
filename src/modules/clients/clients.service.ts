import { Injectable } from '@nestjs/common';
import { EntityManager, Repository } from 'typeorm';
import { Database } from '../../platform/database/database';
import { BusinessRuleViolation, NotFound } from '../../platform/errors/domain-error';
import { isReferenced } from '../../platform/database/references';
import { applySearch, SearchSpec } from '../../platform/search/search';
import { Tenancy } from '../../platform/tenancy/tenancy';
import { CurrenciesService } from '../accounting/currencies/currencies.service';
import { ResellersService } from '../iam/resellers/resellers.service';
import { ClientEntity } from './client.entity';
import { CLIENT_ORDERS, CreateClientParams, SearchClientsParams, UpdateClientParams } from './dto/client.dto';

/** Tables whose rows belong to a client: while any exist, the client cannot be deleted. */
const OWNED_BY_CLIENT = ['clients_id'];

const SEARCH: SearchSpec<SearchClientsParams> = {
  orders: CLIENT_ORDERS,
  decimalOrders: ['balance'],
  quickSearch: ['name', 'email'],
  lists: { status: 'status', resellers_id: 'resellers_id', currencies_id: 'currencies_id' },
  ranges: { c_dt: 'c_dt' },
};

@Injectable()
export class ClientsService {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    private readonly currencies: CurrenciesService,
    private readonly resellers: ResellersService,
  ) {}

  private get clients(): Repository<ClientEntity> {
    return this.db.repository(ClientEntity);
  }

  async create(params: CreateClientParams): Promise<ClientEntity> {
    await this.currencies.get(params.currencies_id);
    await this.resellers.ensurePlaceable(params.resellers_id);
    const client = await this.clients.save(this.clients.create({ ...params, resellers_id: params.resellers_id ?? null }));
    return this.get(client.id);
  }

  get(id: number): Promise<ClientEntity> {
    return this.tenancy.findOne(this.clients, id);
  }

  search(params: SearchClientsParams): Promise<ClientEntity[]> {
    return applySearch(this.tenancy.query(this.clients, 'client'), params, SEARCH).getMany();
  }

  /** Changes only the fields sent, with the client's row locked against a booking that would depend on them. */
  async update({ id, ...changes }: UpdateClientParams): Promise<number> {
    return this.withLocked(id, async (client, manager) => {
      if (changes.currencies_id !== undefined && changes.currencies_id !== client.currencies_id) {
        await this.currencies.get(changes.currencies_id);
        if (await this.hasTransactions(id)) {
          throw new BusinessRuleViolation('clients-has-transactions', `client #${id} has transactions: its currency cannot change`);
        }
      }
      if (changes.resellers_id !== undefined && changes.resellers_id !== client.resellers_id) {
        await this.resellers.ensurePlaceable(changes.resellers_id);
        // Its transactions carry its reseller for isolation: they would stay behind.
        if (await this.hasTransactions(id)) {
          throw new BusinessRuleViolation('clients-has-transactions', `client #${id} has transactions: it cannot move to another reseller`);
        }
      }
      await manager.save(manager.create(ClientEntity, { ...changes, id }));
      return 1;
    });
  }

  async delete(id: number): Promise<number> {
    return this.withLocked(id, async (client, manager) => {
      if (await this.hasTransactions(id)) {
        throw new BusinessRuleViolation('clients-has-transactions', `client #${id} has transactions and cannot be deleted`);
      }
      await manager.remove(client);
      return 1;
    });
  }

  async archive(id: number): Promise<number> {
    await this.get(id);
    await this.clients.save(this.clients.create({ id, status: 'archive' }));
    return 1;
  }

  /**
   * Runs `fn` in a database transaction holding the client's row (FOR UPDATE on PostgreSQL; SQLite
   * has a single writer): bookings, and changes to what bookings depend on, queue on it. Only
   * columns that `fn` saves are written, so no stale copy of the balance is ever written back.
   * Everything `fn` reads through the Database runs in that transaction, on its connection.
   */
  async withLocked<T>(id: number, fn: (client: ClientEntity, manager: EntityManager) => Promise<T>): Promise<T> {
    await this.get(id);
    return this.db.transaction(async (manager) => {
      const client = await manager.findOne(ClientEntity, {
        where: { id },
        ...(this.db.dialect === 'postgres' && { lock: { mode: 'pessimistic_write' as const } }),
      });
      if (!client) throw new NotFound('clients', id);
      return fn(client, manager);
    });
  }

  private hasTransactions(id: number): Promise<boolean> {
    return isReferenced(this.db.manager, OWNED_BY_CLIENT, id);
  }
}
