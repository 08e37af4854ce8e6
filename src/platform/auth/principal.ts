import type { ResellerReach } from '../tenancy/reseller-reach';

/** How the caller proved who they are. */
export type AuthScheme = 'api-key' | 'jwt';

/** The authenticated caller, the same whichever scheme was used. */
export interface Principal {
  userId: number;
  login: string;
  /** Null for an unlimited user. */
  resellersId: number | null;
  /** The resellers this caller sees: all, or their reseller's subtree. */
  reach: ResellerReach;
  timezone: string | null;
  scheme: AuthScheme;
}
