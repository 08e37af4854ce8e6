/**
 * How an entity belongs to a reseller: `read` is the column a row's visibility follows,
 * `write` the one a create or a move sets (they differ only for resellers: a reseller is seen by
 * its own id and placed by its parent).
 */
export interface ResellerLimit {
  objectName: string;
  read: string;
  write: string;
}

const LIMITS = new Map<Function, ResellerLimit>();

/** Marks an entity as reseller-limited (SPEC §5): the tenancy subscriber then stamps and checks every write and load. */
export function ResellerLimited(limit: ResellerLimit): ClassDecorator {
  return (target) => {
    LIMITS.set(target, limit);
  };
}

export function resellerLimitOf(target: unknown): ResellerLimit | undefined {
  return typeof target === 'function' ? LIMITS.get(target) : undefined;
}
