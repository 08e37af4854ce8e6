import { Injectable } from '@nestjs/common';
import { EntityManager, Repository } from 'typeorm';
import { Database } from '../../platform/database/database';
import { NotFound } from '../../platform/errors/domain-error';
import { ReferenceChecks } from '../../platform/database/references';
import { runSearch, SearchSpec } from '../../platform/search/search';
import { Tenancy } from '../../platform/tenancy/tenancy';
import { CurrenciesService } from '../accounting/currencies/currencies.service';
import { ResellersService } from '../iam/resellers/resellers.service';
import { ClientEntity } from './client.entity';
import { CLIENT_ORDERS, CreateClientParams, SearchClientsParams, UpdateClientParams } from './dto/client.dto';

const SEARCH: SearchSpec<SearchClientsParams> = {
  orders: CLIENT_ORDERS,
  decimalOrders: ['balance'],
  quickSearch: ['name', 'email'],
  lists: { status: 'status', resellers_id: 'resellers_id', currencies_id: 'currencies_id' },
  ranges: { c_dt: 'c_dt' },
  quickSearchIndex: 'clients_q',
};

@Injectable()
export class ClientsService {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    private readonly references: ReferenceChecks,
    private readonly currencies: CurrenciesService,
    private readonly resellers: ResellersService,
  ) {}

  private get clients(): Repository<ClientEntity> {
    return this.db.repository(ClientEntity);
  }

  async create(params: CreateClientParams): Promise<ClientEntity> {
    await this.currencies.get(params.currencies_id);
    const client = await this.resellers.placeUnder(params.resellers_id, () =>
      this.clients.save(this.clients.create({ ...params, resellers_id: params.resellers_id ?? null })),
    );
    return this.get(client.id);
  }

  get(id: number): Promise<ClientEntity> {
    return this.tenancy.findOne(this.clients, id);
  }

  /** Clients by id in one query (a JSON-RPC batch of clients.get): each its client, or NotFound. */
  getMany(ids: number[]): Promise<(ClientEntity | NotFound)[]> {
    return this.tenancy.findMany(this.clients, ids);
  }

  search(params: SearchClientsParams): Promise<ClientEntity[]> {
    return runSearch(this.clients.createQueryBuilder('client'), params, SEARCH);
  }

  /** Changes only the fields sent, with the client's row locked against a booking that would depend on them. */
  async update({ id, ...changes }: UpdateClientParams): Promise<number> {
    return this.withLocked(id, async (client, manager) => {
      if (changes.currencies_id !== undefined && changes.currencies_id !== client.currencies_id) {
        await this.currencies.get(changes.currencies_id);
        await this.references.ensureFree(ClientEntity, id, ': its currency cannot change');
      }
      if (changes.resellers_id !== undefined && changes.resellers_id !== client.resellers_id) {
        await this.resellers.ensurePlaceable(changes.resellers_id);
        // What refers to it (transactions) carries its reseller for isolation: it would stay behind.
        await this.references.ensureFree(ClientEntity, id, ': it cannot move to another reseller');
      }
      await manager.save(manager.create(ClientEntity, { ...changes, id }));
      return 1;
    });
  }

  async delete(id: number): Promise<number> {
    return this.withLocked(id, async (client, manager) => {
      await this.references.ensureFree(ClientEntity, id);
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
   * Runs `fn` in a database transaction holding the client's row (FOR NO KEY UPDATE on PostgreSQL,
   * the lock an UPDATE of the balance takes; SQLite has a single writer): bookings, and changes to
   * what bookings depend on, queue on it. A row being written elsewhere that merely refers to the
   * client (a subscription's foreign key check) does not wait for it, so no lock cycle forms. Only
   * columns that `fn` saves are written, so no stale copy of the balance is ever written back.
   * Everything `fn` reads through the Database runs in that transaction, on its connection.
   * Inside a unit of work (every API call on PostgreSQL) it joins the unit's transaction rather
   * than open a savepoint: the lock then holds until the unit ends, two round trips fewer.
   */
  async withLocked<T>(id: number, fn: (client: ClientEntity, manager: EntityManager) => Promise<T>): Promise<T> {
    const locked = async (manager: EntityManager) => {
      const read = manager.createQueryBuilder(ClientEntity, 'client').where('client.id = :id', { id });
      const client = await (this.db.dialect === 'postgres' ? read.setLock('for_no_key_update') : read).getOne();
      if (!client) throw new NotFound('clients', id);
      return fn(client, manager);
    };
    return this.db.inTransaction() ? locked(this.db.manager) : this.db.transaction(locked);
  }
}
