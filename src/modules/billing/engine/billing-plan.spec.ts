import { parseDuration, parsePeriod } from '../periods';
import { afterFailure, nextStep, PlannedPackage, PlannedSubscription } from './billing-plan';

const at = (iso: string) => new Date(iso);
const monthly: PlannedPackage = { period: parsePeriod('P1M')!, renew_due: null };
const subscription = (changes: Partial<PlannedSubscription> = {}): PlannedSubscription => ({
  start_dt: at('2026-01-31T10:00:00Z'),
  stop_dt: null,
  condition: 'new',
  next_period: 0,
  ...changes,
});
const iso = (step: ReturnType<typeof nextStep>) =>
  step.kind === 'charge'
    ? { kind: step.kind, n: step.n, from: step.from.toISOString(), till: step.till.toISOString() }
    : step.kind === 'wait'
      ? { kind: step.kind, due: step.due?.toISOString() ?? null }
      : step;

describe('nextStep', () => {
  it('waits for the start, then books the activation with the first period', () => {
    expect(iso(nextStep(subscription(), monthly, at('2026-01-31T09:59:59.999Z'), 'UTC'))).toEqual({ kind: 'wait', due: '2026-01-31T10:00:00.000Z' });
    expect(iso(nextStep(subscription(), monthly, at('2026-01-31T10:00:00Z'), 'UTC'))).toEqual({
      kind: 'charge',
      n: 0,
      from: '2026-01-31T10:00:00.000Z',
      till: '2026-02-28T10:00:00.000Z',
    });
  });

  it('books every missed period in order, each anchored on start_dt (31 Jan → 28 Feb → 31 Mar)', () => {
    const now = at('2026-04-15T00:00:00Z');
    const steps = [1, 2].map((n) => iso(nextStep(subscription({ condition: 'activated', next_period: n }), monthly, now, 'UTC')));
    expect(steps).toEqual([
      { kind: 'charge', n: 1, from: '2026-02-28T10:00:00.000Z', till: '2026-03-31T10:00:00.000Z' },
      { kind: 'charge', n: 2, from: '2026-03-31T10:00:00.000Z', till: '2026-04-30T10:00:00.000Z' },
    ]);
    expect(iso(nextStep(subscription({ condition: 'activated', next_period: 3 }), monthly, now, 'UTC'))).toEqual({ kind: 'wait', due: '2026-04-30T10:00:00.000Z' });
  });

  it('books a period that starts before stop_dt whole, none at or after it, and deactivates at stop_dt', () => {
    const stopping = subscription({ condition: 'activated', next_period: 1, stop_dt: at('2026-03-01T00:00:00Z') });
    expect(iso(nextStep(stopping, monthly, at('2026-02-28T10:00:00Z'), 'UTC')).kind).toBe('charge');
    const atEnd = subscription({ condition: 'activated', next_period: 1, stop_dt: at('2026-02-28T10:00:00Z') });
    expect(iso(nextStep(atEnd, monthly, at('2026-02-20T00:00:00Z'), 'UTC'))).toEqual({ kind: 'wait', due: '2026-02-28T10:00:00.000Z' });
    expect(nextStep(atEnd, monthly, at('2026-02-28T10:00:00Z'), 'UTC')).toEqual({ kind: 'deactivate' });
  });

  it('never moves a deactivated subscription again', () => {
    expect(nextStep(subscription({ condition: 'deactivated', next_period: 2 }), monthly, at('2030-01-01T00:00:00Z'), 'UTC')).toEqual({ kind: 'wait', due: null });
  });

  it('keeps the local hour across DST in the system zone', () => {
    const daily: PlannedPackage = { ...monthly, period: parsePeriod('P1D')! };
    // 09:30 in New York: EST (UTC−5) on 7 March 2026, EDT (UTC−4) from 8 March.
    const start = subscription({ start_dt: at('2026-03-07T14:30:00Z'), condition: 'activated', next_period: 1 });
    expect(iso(nextStep(start, daily, at('2026-03-09T00:00:00Z'), 'America/New_York'))).toEqual({
      kind: 'charge',
      n: 1,
      from: '2026-03-08T13:30:00.000Z',
      till: '2026-03-09T13:30:00.000Z',
    });
  });
});

describe('afterFailure', () => {
  const from = at('2026-02-28T10:00:00Z');
  it('retries at the next run while renew_due has not passed, and never later than its deadline', () => {
    const due = { ...monthly, renew_due: parseDuration('P3D')! };
    expect(iso(afterFailure(from, due, null, at('2026-03-01T00:00:00Z'), 'UTC', 10_000))).toEqual({ kind: 'wait', due: '2026-03-01T00:00:10.000Z' });
    expect(iso(afterFailure(from, due, null, at('2026-03-03T09:59:55Z'), 'UTC', 10_000))).toEqual({ kind: 'wait', due: '2026-03-03T10:00:00.000Z' });
    expect(afterFailure(from, due, null, at('2026-03-03T10:00:00Z'), 'UTC', 10_000)).toEqual({ kind: 'deactivate' });
  });

  it('gives a stopped subscription one last try: deactivated once stop_dt has passed, retried no later than it', () => {
    expect(afterFailure(from, monthly, at('2026-03-01T00:00:00Z'), at('2026-03-01T00:00:00Z'), 'UTC', 10_000)).toEqual({ kind: 'deactivate' });
    expect(iso(afterFailure(from, monthly, at('2026-03-01T00:00:05Z'), at('2026-03-01T00:00:00Z'), 'UTC', 10_000))).toEqual({ kind: 'wait', due: '2026-03-01T00:00:05.000Z' });
  });

  it('retries until paid when renew_due is null', () => {
    expect(iso(afterFailure(from, monthly, null, at('2027-01-01T00:00:00Z'), 'UTC', 10_000))).toEqual({ kind: 'wait', due: '2027-01-01T00:00:10.000Z' });
  });
});
