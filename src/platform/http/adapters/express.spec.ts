import { routeKey } from './express';

describe('routeKey: the router a path goes to', () => {
  it.each([
    ['/', ''],
    ['/api', ''],
    ['/api/', ''],
    ['/clients', 'clients'],
    ['/clients/7', 'clients'],
    ['/Clients/7/', 'clients'],
    ['/api/clients/7?__tz=UTC', 'clients'],
    ['/API/Accounting/currencies/exchange-rate', 'accounting'],
    ['/accounting/transactions#x', 'accounting'],
    ['//clients/7', 'clients'],
    ['/%63lients/7', '%63lients'],
    ['/?q=/clients', ''],
  ])('%s → %p', (path, key) => {
    expect(routeKey(path)).toBe(key);
  });
});
