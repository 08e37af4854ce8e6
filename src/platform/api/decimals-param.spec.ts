import { RequestContext, RequestContexts } from '../context/request-context';
import { ValidationFailed } from '../errors/domain-error';
import { takeDecimalsForm } from './decimals-param';

const inRequest = <T>(fn: (context: RequestContext) => T): T => {
  const context: RequestContext = { requestId: 'r', unit: Symbol('r') };
  return RequestContexts.run(context, () => fn(context));
};

describe('takeDecimalsForm', () => {
  it('passes params without __decimals on as the very same object, the context untouched', () => {
    inRequest((context) => {
      const raw = { id: 1, name: 'x' };
      expect(takeDecimalsForm(raw)).toBe(raw);
      expect(context.decimals).toBeUndefined();
    });
  });

  it('takes __decimals=string out and records it', () => {
    inRequest((context) => {
      expect(takeDecimalsForm({ id: 1, __decimals: 'string' })).toEqual({ id: 1 });
      expect(context.decimals).toBe('string');
    });
  });

  it('takes __decimals=number out and keeps the default', () => {
    inRequest((context) => {
      expect(takeDecimalsForm({ id: 1, __decimals: 'number' })).toEqual({ id: 1 });
      expect(context.decimals).toBeUndefined();
    });
  });

  it('refuses any other value', () => {
    for (const value of ['String', 'strings', '', null, 1, true, ['string'], { form: 'string' }]) {
      inRequest((context) => {
        let thrown: unknown;
        try {
          takeDecimalsForm({ __decimals: value });
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ValidationFailed);
        expect((thrown as ValidationFailed).problems).toEqual({ __decimals: 'must be string or number' });
        expect((thrown as ValidationFailed).message).toBe('Invalid params');
        expect(context.decimals).toBeUndefined();
      });
    }
  });
});
