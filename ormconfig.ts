import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/config';
import { dataSourceOptions } from './src/platform/database/data-source-options';

/** The data source of the TypeORM CLI (`npm run migration:run`), the same one the server opens. */
const config = loadConfig();
export default new DataSource(dataSourceOptions(config.database, config.databaseLimits));
