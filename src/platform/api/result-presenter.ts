import { Injectable, Type } from '@nestjs/common';
import Decimal from '../money/decimal';
import { RequestContexts } from '../context/request-context';
import { decimalsAsStrings } from '../http/json';
import { TimeZones } from '../time/time-zones';
import { fieldsOf } from './fields';
import type { ResultSpec } from './api-method.types';

/**
 * Shapes a method's result by its declared result class (only declared fields leave the server,
 * so what is documented is what is sent), renders datetimes in the effective time zone and, when
 * the call asked for `__decimals=string`, decimals as strings.
 */
@Injectable()
export class ResultPresenter {
  constructor(private readonly timeZones: TimeZones) {}

  present(value: unknown, spec: ResultSpec): unknown {
    const context = RequestContexts.current();
    const presented = this.presentIn(value, spec, this.timeZones.effectiveZone(context));
    return context?.decimals === 'string' ? decimalsAsStrings(presented) : presented;
  }

  private presentIn(value: unknown, spec: ResultSpec, zone: string): unknown {
    if (Array.isArray(spec)) {
      return (value as unknown[]).map((item) => this.shape(item, spec[0], zone));
    }
    if (typeof spec === 'function') return this.shape(value, spec, zone);
    return this.render(value, zone);
  }

  private shape(value: unknown, type: Type<unknown>, zone: string): unknown {
    if (value === null || value === undefined) return null;
    const source = value as Record<string, unknown>;
    const shaped: Record<string, unknown> = {};
    for (const field of fieldsOf(type)) {
      const item = source[field.name];
      if (field.nested && item !== null && item !== undefined) {
        shaped[field.name] = Array.isArray(item)
          ? item.map((element) => this.shape(element, field.nested!, zone))
          : this.shape(item, field.nested, zone);
      } else {
        shaped[field.name] = item === undefined ? null : this.render(item, zone);
      }
    }
    return shaped;
  }

  private render(value: unknown, zone: string): unknown {
    if (value instanceof Date) return this.timeZones.format(value, zone);
    if (value === null || typeof value !== 'object' || value instanceof Decimal) return value;
    if (Array.isArray(value)) return value.map((item) => this.render(item, zone));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.render(item, zone)]));
  }
}
