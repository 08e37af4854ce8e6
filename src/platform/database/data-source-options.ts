import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../../config/config';
import { ENTITIES } from '../../database/entities';
import { MIGRATIONS } from '../../database/migrations';
import { ResellerSubscriber } from '../tenancy/reseller.subscriber';
import { useDialect } from './columns';

/** The one data source definition, used by the server, the tests and the TypeORM migration CLI. */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  useDialect(database.type);
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    subscribers: [ResellerSubscriber],
    synchronize: false,
    migrationsRun: false,
  };
  if (database.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      schema: database.schema,
      extra: { max: 20, ...(database.schema && { options: `-c search_path=${database.schema}` }) },
    };
  }
  if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    timeout: 10000,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
    },
  };
}
