import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { DataAccessCheck } from './data-access-check';
import { Database } from './database';
import { DatabaseHealth } from './database-health';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './migrator';
import { checkpointSqliteInBackground } from './sqlite-checkpoints';
import { bindSqliteIntegers, serializeSqliteTransactions } from './sqlite-gate';
import { installQueryScoping } from '../tenancy/query-scope';
import { resellerLimitOf } from '../tenancy/reseller-limited.decorator';
import { assertLimitedTablesBound } from './row-level-security';

/** Opens the database and brings its schema up to date before anything else uses it; hands out the one door to it. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => dataSourceOptions(config.database, config.databaseLimits),
      dataSourceFactory: async (options) => {
        installQueryScoping();
        const dataSource = await new DataSource(options!).initialize();
        serializeSqliteTransactions(dataSource);
        bindSqliteIntegers(dataSource);
        checkpointSqliteInBackground(dataSource);
        await runMigrations(dataSource);
        await assertLimitedTablesBound(dataSource, (target) => resellerLimitOf(target) !== undefined);
        return dataSource;
      },
    }),
  ],
  providers: [Database, DataAccessCheck, { provide: DatabaseHealth, inject: [DataSource], useFactory: (dataSource: DataSource) => DatabaseHealth.attach(dataSource) }],
  exports: [Database, DatabaseHealth],
})
export class DatabaseModule {}
