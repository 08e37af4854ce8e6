import { Injectable } from '@nestjs/common';
import { Principal } from '../../../platform/auth/principal';
import { Database } from '../../../platform/database/database';
import { Tenancy } from '../../../platform/tenancy/tenancy';

// Any fixed number, distinct from the migration lock's.
const TREE_LOCK = 7_301_996;

/** Walks the reseller tree in the database (a recursive query, the same on SQLite and PostgreSQL). */
@Injectable()
export class ResellerTree {
  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
  ) {}

  /**
   * Holds the whole tree until the open transaction ends: exclusively to move or delete a reseller,
   * shared to place something under one, so a check and its write are never split by another's:
   * on PostgreSQL with a transaction-scoped advisory lock, on SQLite by its single writer (every
   * transaction begins IMMEDIATE, see sqlite-gate.ts).
   */
  async lock(mode: 'exclusive' | 'shared' = 'exclusive'): Promise<void> {
    if (!this.db.inTransaction()) throw new Error('ResellerTree.lock() needs an open transaction');
    if (this.db.dialect !== 'postgres') return;
    await this.db.query(mode === 'exclusive' ? 'SELECT pg_advisory_xact_lock($1)' : 'SELECT pg_advisory_xact_lock_shared($1)', [TREE_LOCK]);
  }

  /**
   * The reseller and all its descendants, deleted ones included: the tree's shape, read as the
   * system (a reach is computed from it; a caller passes only an id already in their reach).
   */
  async subtree(rootId: number): Promise<number[]> {
    const rows: { id: number }[] = await this.tenancy.runAs(Principal.system('reseller-tree'), () => this.db.query(
      `WITH RECURSIVE tree(id) AS (
         SELECT id FROM resellers WHERE id = $1
         UNION
         SELECT r.id FROM resellers r JOIN tree t ON r.parent_id = t.id
       )
       SELECT id FROM tree`,
      [rootId],
    ));
    return rows.map((row) => Number(row.id));
  }
}
