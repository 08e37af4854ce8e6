import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Repository } from 'typeorm';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/config';
import { isUniqueViolation } from '../../../platform/database/query-errors';
import { SettingEntity } from '../settings/setting.entity';
import { Database } from '../../../platform/database/database';

const SECRET_SETTING = 'jwt_secret';
const ALGORITHM = 'HS256';

export interface IssuedToken {
  token: string;
  expires_at: Date;
}

export interface VerifiedToken {
  userId: number;
  /** The user's token_version when it was issued. */
  version: number;
}

/** Signs and verifies the (deprecated) JWTs: HS256 only, with JWT_SECRET or a secret generated once and shared through the database. */
@Injectable()
export class JwtTokens {
  private secret?: Promise<string>;

  constructor(
    private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jwt: JwtService,
  ) {}

  private get settings(): Repository<SettingEntity> {
    return this.db.repository(SettingEntity);
  }

  async issue(user: { id: number; token_version: number }): Promise<IssuedToken> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + this.config.jwt.ttlSeconds;
    const token = await this.jwt.signAsync(
      { sub: String(user.id), ver: user.token_version, jti: randomUUID(), iat: issuedAt, exp: expiresAt },
      { secret: await this.getSecret(), algorithm: ALGORITHM },
    );
    return { token, expires_at: new Date(expiresAt * 1000) };
  }

  /** Whom a valid token was issued to; undefined for anything invalid, expired, tampered or unsigned. */
  async verify(token: string): Promise<VerifiedToken | undefined> {
    try {
      const payload = await this.jwt.verifyAsync<{ sub?: string; ver?: number }>(token, {
        secret: await this.getSecret(),
        algorithms: [ALGORITHM],
      });
      const userId = Number(payload.sub);
      if (!Number.isInteger(userId) || userId <= 0 || !Number.isInteger(payload.ver)) return undefined;
      return { userId, version: payload.ver! };
    } catch {
      return undefined;
    }
  }

  private getSecret(): Promise<string> {
    this.secret ??= this.loadSecret().catch((error: unknown) => {
      this.secret = undefined;
      throw error;
    });
    return this.secret;
  }

  private async loadSecret(): Promise<string> {
    if (this.config.jwt.secret) return this.config.jwt.secret;
    const stored = await this.settings.findOneBy({ key: SECRET_SETTING });
    if (stored) return stored.value;
    try {
      await this.settings.insert({ key: SECRET_SETTING, value: randomBytes(48).toString('base64url') });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error; // another server process stored one first
    }
    return (await this.settings.findOneByOrFail({ key: SECRET_SETTING })).value;
  }
}
