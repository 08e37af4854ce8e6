import { Inject, Injectable } from '@nestjs/common';
import { DateTime, IANAZone } from 'luxon';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { RequestContexts } from '../context/request-context';
import { ValidationFailed } from '../errors/domain-error';
import type { RawParams } from '../api/validate-params';

export const TZ_PARAM = '__tz';

/** The effective time zone of a request (SPEC §4): `__tz`, else the caller's own, else the default. */
@Injectable()
export class TimeZones {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Takes `__tz` out of a method's raw params into the request context; an unknown zone is a validation error. */
  takeRequestZone(raw: RawParams): RawParams {
    if (!(TZ_PARAM in raw)) return raw;
    const { [TZ_PARAM]: zone, ...rest } = raw;
    if (typeof zone !== 'string' || !IANAZone.isValidZone(zone)) {
      throw ValidationFailed.field(TZ_PARAM, 'must be an IANA time zone name such as America/New_York');
    }
    RequestContexts.require().timezone = zone;
    return rest;
  }

  effectiveZone(): string {
    const context = RequestContexts.current();
    return context?.timezone ?? context?.principal?.timezone ?? this.config.defaultTimezone;
  }

  /** ISO 8601 with the zone's offset at that instant, e.g. 2026-11-25T09:30:00-05:00. */
  format(instant: Date, zone = this.effectiveZone()): string {
    return DateTime.fromJSDate(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
  }
}
