/** How the caller proved who they are. */
export type AuthScheme = 'api-key' | 'jwt';

/** The authenticated caller, the same whichever scheme was used. */
export interface Principal {
  userId: number;
  login: string;
  /** Null for an unlimited user. */
  resellersId: number | null;
  timezone: string | null;
  scheme: AuthScheme;
}
