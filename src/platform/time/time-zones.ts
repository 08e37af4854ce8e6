import { Inject, Injectable } from '@nestjs/common';
import { IANAZone } from 'luxon';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import type { Principal } from '../auth/principal';
import { type RequestContext, RequestContexts } from '../context/request-context';
import { ValidationFailed } from '../errors/domain-error';
import type { RawParams } from '../api/validate-params';
import { formatDate, formatDateTime } from './datetime';

export const TZ_PARAM = '__tz';

// Zone names found valid: luxon's check builds an Intl formatter each time. A few hundred zones
// exist, but names match in any letter case, so the set is bounded.
const VALID_ZONES = new Set<string>();
const MOST_VALID_ZONES = 2000;

function isValidZone(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  if (VALID_ZONES.has(name)) return true;
  if (!IANAZone.isValidZone(name)) return false;
  if (VALID_ZONES.size < MOST_VALID_ZONES) VALID_ZONES.add(name);
  return true;
}

/**
 * The effective time zone of a call (SPEC §4): `__tz`, else the caller's own, else the default.
 * Resolved once per call, before its params are read, so inputs and outputs use the same zone.
 */
@Injectable()
export class TimeZones {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Takes `__tz` out of a call's raw params and settles the call's zone; an unknown zone is a validation error. */
  takeRequestZone(raw: RawParams): RawParams {
    const context = RequestContexts.require();
    const { [TZ_PARAM]: asked, ...rest } = raw;
    if (asked !== undefined && !isValidZone(asked)) {
      throw ValidationFailed.field(TZ_PARAM, 'must be an IANA time zone name such as America/New_York');
    }
    context.timezone = (asked as string | undefined) ?? this.callerZone(context.principal);
    return rest;
  }

  effectiveZone(context: RequestContext | undefined = RequestContexts.current()): string {
    return context?.timezone ?? this.callerZone(context?.principal);
  }

  /** Without `__tz`: the caller's own zone, else the default. */
  private callerZone(principal: Principal | undefined): string {
    return principal?.timezone ?? this.config.defaultTimezone;
  }

  format(instant: Date, zone = this.effectiveZone()): string {
    return formatDateTime(instant, zone);
  }

  /** The date alone, e.g. 2026-11-25, in the effective zone unless another is given (documents such as an invoice's). */
  formatDate(instant: Date, zone = this.effectiveZone()): string {
    return formatDate(instant, zone);
  }
}
