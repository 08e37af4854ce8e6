import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Repository } from 'typeorm';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/config';
import { isUniqueViolation } from '../../../platform/database/query-errors';
import { generatePassword, hashPassword, issueApiKey } from '../auth/secrets';
import { UserEntity } from './user.entity';
import { Principal } from '../../../platform/auth/principal';
import { Database } from '../../../platform/database/database';
import { Tenancy } from '../../../platform/tenancy/tenancy';

/** On the first start (no users at all) creates the administrator, printing any secret it had to generate. */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    private readonly db: Database,
    private readonly tenancy: Tenancy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get users(): Repository<UserEntity> {
    return this.db.repository(UserEntity);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.tenancy.runAs(Principal.system('admin-bootstrap'), () => this.createAdministrator());
  }

  private async createAdministrator(): Promise<void> {
    if (await this.users.exists()) return;
    const { login, apiKey, password } = this.config.admin;
    const key = issueApiKey(apiKey);
    const adminPassword = password ?? generatePassword();
    try {
      await this.users.insert({
        login,
        name: 'Administrator',
        password_hash: await hashPassword(adminPassword),
        api_key_hash: key.hash,
        api_key_prefix: key.prefix,
        allowed_ips: [],
      });
    } catch (error) {
      if (isUniqueViolation(error)) return; // another server process created it first
      throw error;
    }
    const generated = {
      ...(apiKey ? {} : { api_key: key.key }),
      ...(password ? {} : { password: adminPassword }),
    };
    this.logger.log({
      msg: `First start: created the administrator "${login}"${
        Object.keys(generated).length ? '; the generated credentials below are shown only this once' : ''
      }`,
      login,
      ...generated,
    });
  }
}
