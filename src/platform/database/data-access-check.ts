import { Injectable, OnModuleInit, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { Database } from './database';

// What Nest records of a constructor: its parameter types, and the tokens of @Inject() overrides.
const PARAM_TYPES = 'design:paramtypes';
const INJECT_TOKENS = 'self:paramtypes';
const PROPERTY_TOKENS = 'self:properties_metadata';

/** The platform's own door, the one class allowed to hold the data source. */
const ALLOWED = new Set<unknown>([Database]);

function isRawDataAccess(token: unknown): boolean {
  if (token === DataSource || token === EntityManager) return true;
  if (typeof token === 'function') return token === Repository || token.prototype instanceof Repository;
  // @InjectRepository(Entity) injects the token `${Entity.name}Repository`.
  return typeof token === 'string' && /Repository$/.test(token);
}

/** Why a class would reach the database around the door (empty when it does not). */
export function rawDataAccessOf(type: Type<unknown>): string[] {
  if (ALLOWED.has(type)) return [];
  const params = (Reflect.getMetadata(PARAM_TYPES, type) as unknown[] | undefined) ?? [];
  const overrides = (Reflect.getMetadata(INJECT_TOKENS, type) as { index: number; param: unknown }[] | undefined) ?? [];
  const properties = (Reflect.getMetadata(PROPERTY_TOKENS, type) as { key: string; type: unknown }[] | undefined) ?? [];
  const tokens = params.map((param, index) => overrides.find((override) => override.index === index)?.param ?? param);
  return [...tokens, ...properties.map((property) => property.type)]
    .filter(isRawDataAccess)
    .map((token) => `${type.name} injects ${typeof token === 'function' ? token.name : String(token)}`);
}

/**
 * Fails the boot when any provider or controller injects a DataSource, an EntityManager or a
 * TypeORM repository: services reach the database only through the Database door, whose queries
 * are scoped to the principal's reach and run in its unit of work. Mechanical, not a convention.
 */
@Injectable()
export class DataAccessCheck implements OnModuleInit {
  constructor(private readonly modules: ModulesContainer) {}

  onModuleInit(): void {
    const problems = new Set<string>();
    for (const module of this.modules.values()) {
      // TypeORM's and Nest's own modules hold the data source by design.
      if (/^(TypeOrm|InternalCore)/.test(module.metatype.name)) continue;
      for (const wrapper of [...module.providers.values(), ...module.controllers.values()]) {
        if (typeof wrapper.metatype === 'function' && !wrapper.inject) {
          rawDataAccessOf(wrapper.metatype as Type<unknown>).forEach((problem) => problems.add(problem));
        }
      }
    }
    if (problems.size > 0) {
      throw new Error(
        `Raw database access outside the Database door (src/platform/database/database.ts): ${[...problems].join('; ')}`,
      );
    }
  }
}
