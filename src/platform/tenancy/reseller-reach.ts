/** The resellers a caller reaches: everything (unlimited users), or one reseller's subtree. */
export type ResellerReach = { kind: 'all' } | { kind: 'tree'; root: number; ids: Set<number> };

export const UNLIMITED: ResellerReach = { kind: 'all' };

export function reaches(reach: ResellerReach, resellerId: number | null | undefined): boolean {
  if (reach.kind === 'all') return true;
  return resellerId !== null && resellerId !== undefined && reach.ids.has(Number(resellerId));
}
