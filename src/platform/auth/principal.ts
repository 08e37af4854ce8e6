import { ResellerReach, UNLIMITED } from '../tenancy/reseller-reach';

/** How the caller proved who they are; `system` for work the server does by itself. */
export type AuthScheme = 'api-key' | 'jwt' | 'system';

/** Who data is touched for: an authenticated user (either scheme), or a named part of the server itself. */
export interface Principal {
  kind: 'user' | 'system';
  /** The user's id; null for a system principal. */
  userId: number | null;
  /** The user's login, or `system:<name>`. */
  login: string;
  /** Null for an unlimited user and for the system. */
  resellersId: number | null;
  /** The resellers this principal sees: all, or a reseller's subtree. */
  reach: ResellerReach;
  timezone: string | null;
  scheme: AuthScheme;
}

export const Principal = {
  /**
   * Work that must see every reseller and has no caller (authentication, boot, the billing
   * engine) runs as a named system principal, through Tenancy.runAs: never as "nobody".
   */
  system(name: string): Principal {
    return { kind: 'system', userId: null, login: `system:${name}`, resellersId: null, reach: UNLIMITED, timezone: null, scheme: 'system' };
  },
};
