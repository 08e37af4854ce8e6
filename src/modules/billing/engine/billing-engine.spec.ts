import type { AppConfig } from '../../../config/config';
import { BillingEngine } from './billing-engine';

describe('BillingEngine.problem (readiness)', () => {
  const started = Date.parse('2026-11-27T12:00:00Z');
  let now = started;
  beforeEach(() => {
    now = started;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  const engine = (billingTickSeconds: number) => {
    const none = undefined as never;
    return new BillingEngine(none, none, none, none, none, none, { billingTickSeconds } as AppConfig);
  };

  it('reports a stalled engine once no run has completed for three ticks', () => {
    const ticking = engine(10);
    now = started + 30_000;
    expect(ticking.problem()).toBeUndefined();
    now = started + 30_001;
    expect(ticking.problem()).toBe('no billing run completed for 30 s');
    now = started + 95_000;
    expect(ticking.problem()).toBe('no billing run completed for 95 s');
  });

  it('reports nothing when the engine is off in this process', () => {
    const off = engine(0);
    now = started + 3_600_000;
    expect(off.problem()).toBeUndefined();
  });
});
