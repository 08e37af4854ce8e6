import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn } from '../database/columns';

/**
 * One Idempotency-Key a user sent with a create or an action, and the answer it got: written in the
 * same transaction as the operation, so the key exists exactly when the operation's work does.
 * Per user, not reseller-limited: no row-level security (a user only ever reads its own keys).
 */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  users_id!: number;

  /** HMAC-SHA256 of the key (hex): the key itself is not stored. */
  @Column({ type: 'varchar', length: 255 })
  idempotency_key!: string;

  /** The JSON-RPC name of the method called (the same in both protocols). */
  @Column({ type: 'varchar', length: 128 })
  method!: string;

  /** HMAC (keyed by the Idempotency-Key) of the call's validated params, zone, decimals form and the caller's reseller: a replay needs the same. */
  @Column({ type: 'varchar', length: 64 })
  fingerprint!: string;

  /** 200, or 422 for a business refusal; null only inside the transaction that claims the key. */
  @Column({ type: 'integer', nullable: true })
  status!: number | null;

  /** The answer's JSON (the result, or the refusal's `{"message", "data"}`), encrypted under a key derived from the Idempotency-Key. */
  @Column({ type: 'text', nullable: true })
  answer!: string | null;

  /** When the key was first used, by the server's clock; kept 24 hours. */
  @DateTimeColumn()
  c_dt!: Date;
}
