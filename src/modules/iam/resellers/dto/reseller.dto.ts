import { EnumField, EnumListField, IdField, IdListField, ResultField, StringField } from '../../../../platform/api/fields';
import { QuickSearchParams } from '../../../../platform/search/search-params';
import { RESELLER_STATUSES, ResellerStatus } from '../reseller.entity';

export class CreateResellerParams {
  @StringField({ minLength: 1, maxLength: 255, example: 'Acme Telecom' })
  name: string;

  @IdField({
    optional: true,
    nullable: true,
    description: "Parent reseller; a reseller-limited caller's default is their own reseller, otherwise none (a root)",
  })
  parent_id?: number | null;
}

export class UpdateResellerParams {
  @IdField({ description: 'Reseller id' })
  id: number;

  @StringField({ optional: true, minLength: 1, maxLength: 255 })
  name?: string;

  @IdField({ optional: true, nullable: true, description: 'Move under another reseller (null: make it a root)' })
  parent_id?: number | null;

  @EnumField(RESELLER_STATUSES, { optional: true })
  status?: ResellerStatus;
}

export const RESELLER_ORDERS = ['id', 'name', 'status', 'c_dt'] as const;

export class SearchResellersParams extends QuickSearchParams {
  @EnumListField(RESELLER_STATUSES)
  status?: ResellerStatus[];

  @IdListField({ description: 'Only children of these resellers' })
  parent_id?: number[];
}

export class Reseller {
  @ResultField({ type: 'integer' }, { example: 1 })
  id: number;

  @ResultField({ type: 'string' }, { example: 'Acme Telecom' })
  name: string;

  @ResultField({ type: 'integer' }, { nullable: true, example: null })
  parent_id: number | null;

  @ResultField({ type: 'string', enum: [...RESELLER_STATUSES] }, { example: 'active' })
  status: ResellerStatus;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  c_dt: string;
}
