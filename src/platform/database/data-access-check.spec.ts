import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, getRepositoryToken, InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { ClientEntity } from '../../modules/clients/client.entity';
import { DataAccessCheck, rawDataAccessOf } from './data-access-check';
import { Database } from './database';

// Fixtures: what a module might try, beside what it should do.
@Injectable()
class SneakyClientsService {
  constructor(@InjectRepository(ClientEntity) readonly clients: Repository<ClientEntity>) {}
}

@Injectable()
class SneakyReport {
  constructor(
    @InjectDataSource() readonly dataSource: DataSource,
    readonly manager: EntityManager,
  ) {}
}

@Injectable()
class ProperService {
  constructor(readonly db: Database) {}
}

describe('DataAccessCheck', () => {
  it('names every injection of a repository, the data source or an entity manager', () => {
    expect(rawDataAccessOf(SneakyClientsService)).toEqual(['SneakyClientsService injects ClientEntityRepository']);
    expect(rawDataAccessOf(SneakyReport)).toEqual(['SneakyReport injects DataSource', 'SneakyReport injects EntityManager']);
    expect(rawDataAccessOf(ProperService)).toEqual([]);
    expect(rawDataAccessOf(Database)).toEqual([]);
  });

  it('fails the boot of a module that injects a raw repository of a limited entity', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        DataAccessCheck,
        SneakyClientsService,
        ProperService,
        { provide: getRepositoryToken(ClientEntity), useValue: {} },
        { provide: Database, useValue: {} },
      ],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      'Raw database access outside the Database door (src/platform/database/database.ts): SneakyClientsService injects ClientEntityRepository',
    );
  });

  it('lets a module that uses the door boot', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [DataAccessCheck, ProperService, { provide: Database, useValue: {} }, { provide: getDataSourceToken(), useValue: {} }],
    }).compile();
    await expect(moduleRef.init()).resolves.toBe(moduleRef);
    await moduleRef.close();
  });
});

describe('the modules, as written', () => {
  const { readdirSync, readFileSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
  const { join } = jest.requireActual<typeof import('node:path')>('node:path');
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [join(dir, entry.name)] : [],
    );

  it('send raw SQL only through the door, and never take TypeORM connections, runners or repositories of their own', () => {
    const raw = /@nestjs\/typeorm|createQueryRunner|\.getRepository\(|(?<!this\.db)\.query\(/;
    const offending = sources(join(__dirname, '../../modules'))
      .flatMap((file) => readFileSync(file, 'utf8').split('\n').map((line, i) => [file, i + 1, line] as const))
      .filter(([, , line]) => raw.test(line))
      .map(([file, line]) => `${file.slice(file.indexOf('src/'))}:${line}`);
    expect(offending).toEqual([]);
  });
});
