import { ResultField, StringField } from '../../../../platform/api/fields';

export class JwtAuthenticateParams {
  @StringField({ minLength: 1, maxLength: 64, example: 'admin' })
  login: string;

  @StringField({ minLength: 1, maxLength: 128, example: 'secret' })
  password: string;
}

export class JwtToken {
  @ResultField({ type: 'string' }, { description: 'Send as `Authorization: Bearer <token>`' })
  token: string;

  @ResultField({ type: 'string', format: 'date-time' }, { description: 'When the token stops working', example: '2026-11-25T10:30:00+00:00' })
  expires_at: string;
}
