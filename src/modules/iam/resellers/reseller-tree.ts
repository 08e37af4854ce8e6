import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Walks the reseller tree in the database (a recursive query, the same on SQLite and PostgreSQL). */
@Injectable()
export class ResellerTree {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The reseller and all its descendants, deleted ones included. */
  async subtree(rootId: number): Promise<number[]> {
    const root = this.dataSource.driver.createParameter('root', 0);
    const rows: { id: number }[] = await this.dataSource.query(
      `WITH RECURSIVE tree(id) AS (
         SELECT id FROM resellers WHERE id = ${root}
         UNION
         SELECT r.id FROM resellers r JOIN tree t ON r.parent_id = t.id
       )
       SELECT id FROM tree`,
      [rootId],
    );
    return rows.map((row) => Number(row.id));
  }
}
