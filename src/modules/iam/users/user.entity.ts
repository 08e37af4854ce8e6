import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn } from '../../../platform/database/columns';
import { ResellerLimited } from '../../../platform/tenancy/reseller-limited.decorator';

export const USER_STATUSES = ['active', 'blocked', 'archive'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

@Entity('users')
@ResellerLimited({ objectName: 'users', read: 'resellers_id', write: 'resellers_id' })
export class UserEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 64, unique: true })
  login: string;

  /** scrypt hash; null when the user can only use an API key. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  password_hash: string | null;

  @Column({ type: 'varchar', length: 255, default: '' })
  name: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: UserStatus;

  @Column({ type: 'varchar', length: 64, default: 'admin' })
  role: string;

  @Column({ type: 'integer', nullable: true })
  resellers_id: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  locale: string | null;

  @Column({ type: 'simple-json', default: '[]' })
  allowed_ips: string[];

  /** SHA-256 of the key: keys are long random secrets, so a fast hash is safe and lets us look them up. */
  @Column({ type: 'varchar', length: 64, unique: true })
  api_key_hash: string;

  @Column({ type: 'varchar', length: 16 })
  api_key_prefix: string;

  /** Bumped when the password, the key or the status changes: tokens issued before stop working. */
  @Column({ type: 'integer', default: 0 })
  token_version: number;

  @CreatedAtColumn()
  c_dt: Date;
}
