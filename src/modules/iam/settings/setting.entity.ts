import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Server-wide values generated once and shared by every server process, e.g. the JWT secret. */
@Entity('settings')
export class SettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'text' })
  value: string;
}
