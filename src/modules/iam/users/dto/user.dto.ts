import {
  EmailField,
  EnumField,
  EnumListField,
  IdField,
  IdListField,
  IpListField,
  ResultField,
  StringField,
  TimezoneField,
} from '../../../../platform/api/fields';
import { QuickSearchParams } from '../../../../platform/search/search-params';
import { USER_STATUSES, UserStatus } from '../user.entity';

const LOGIN = { minLength: 3, maxLength: 64, pattern: /^[A-Za-z0-9._@-]{3,64}$/, patternMessage: 'must be 3 to 64 letters, digits or . _ @ -' };
const PASSWORD = { minLength: 8, maxLength: 128, description: 'Write-only; stored as a slow hash' };
const LOCALE = { maxLength: 16, pattern: /^[a-z]{2,3}([_-][A-Za-z]{2,4})?$/, patternMessage: 'must be a locale such as en or en_US' };

/** Fields a user may be created or updated with (all but login optional). */
class UserFields {
  @StringField({ optional: true, ...PASSWORD })
  password?: string;

  @StringField({ optional: true, maxLength: 255, example: 'Integration: CRM' })
  name?: string;

  @EmailField({ optional: true, nullable: true, example: 'ops@example.com' })
  email?: string | null;

  @EnumField(USER_STATUSES, { optional: true, description: 'Blocked and archived users cannot authenticate' })
  status?: UserStatus;

  @StringField({ optional: true, minLength: 1, maxLength: 64, example: 'admin', description: 'Stored; does not restrict API methods' })
  role?: string;

  @IdField({
    optional: true,
    nullable: true,
    description: "Reseller the user is limited to (null: unlimited). A reseller-limited caller's default is their own reseller",
  })
  resellers_id?: number | null;

  @TimezoneField({ optional: true, nullable: true, description: "The user's time zone for datetimes in and out" })
  timezone?: string | null;

  @StringField({ optional: true, nullable: true, ...LOCALE, example: 'en_US' })
  locale?: string | null;

  @IpListField({ optional: true, description: 'Addresses and CIDR ranges the user may call from; empty: any' })
  allowed_ips?: string[];
}

export class CreateUserParams extends UserFields {
  @StringField({ ...LOGIN, example: 'crm-integration', description: 'Unique' })
  login: string;
}

export class UpdateUserParams extends UserFields {
  @IdField({ description: 'User id' })
  id: number;

  @StringField({ optional: true, ...LOGIN })
  login?: string;
}

export const USER_ORDERS = ['id', 'login', 'name', 'status', 'c_dt'] as const;

export class SearchUsersParams extends QuickSearchParams {
  @EnumListField(USER_STATUSES)
  status?: UserStatus[];

  @IdListField()
  resellers_id?: number[];
}

export class User {
  @ResultField({ type: 'integer' }, { example: 2 })
  id: number;

  @ResultField({ type: 'string' }, { example: 'crm-integration' })
  login: string;

  @ResultField({ type: 'string' }, { example: 'Integration: CRM' })
  name: string;

  @ResultField({ type: 'string' }, { nullable: true, example: 'ops@example.com' })
  email: string | null;

  @ResultField({ type: 'string', enum: [...USER_STATUSES] }, { example: 'active' })
  status: UserStatus;

  @ResultField({ type: 'string' }, { example: 'admin' })
  role: string;

  @ResultField({ type: 'integer' }, { nullable: true, example: 1 })
  resellers_id: number | null;

  @ResultField({ type: 'string' }, { nullable: true, example: 'America/New_York' })
  timezone: string | null;

  @ResultField({ type: 'string' }, { nullable: true, example: 'en_US' })
  locale: string | null;

  @ResultField({ type: 'array', items: { type: 'string' } }, { example: ['192.0.2.0/24'] })
  allowed_ips: string[];

  @ResultField({ type: 'string' }, { example: 'bk_9fQ2x', description: 'The first characters of the API key, to tell keys apart' })
  api_key_prefix: string;

  @ResultField({ type: 'string', format: 'date-time' }, { example: '2026-11-25T09:30:00+00:00' })
  c_dt: string;
}

export class CreatedUser extends User {
  @ResultField({ type: 'string' }, { description: 'The API key: shown only in this answer', example: 'bk_9fQ2x…' })
  api_key: string;
}

export class ApiKey {
  @ResultField({ type: 'string' }, { description: 'The new API key: shown only in this answer; the old one no longer works' })
  api_key: string;
}
