import { chromium, Browser, Page } from 'playwright-core';
import { aClient, aCurrency, aPackage, aReseller, aSubscription, aTransaction } from '../support/factories';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The objects the documents' examples point at: id 1 of everything, USD and EUR with a rate between them. */
async function seedWhatTheExamplesName(t: TestApp): Promise<void> {
  const usd = await aCurrency(t, 'USD');
  const eur = await aCurrency(t, 'EUR');
  const rate = await t.rpc('accounting.currencies.rates.create', { currencies_id: usd.id, to_currencies_id: eur.id, rate: '0.9215', effective_from: '2026-01-01' });
  const reseller = await aReseller(t);
  const client = await aClient(t, { currencies_id: usd.id });
  await aTransaction(t, { clients_id: client.id, type: 'charge', amount: '-29.97', dt: '2026-11-10 12:00:00' });
  const pkg = await aPackage(t, { currencies_id: usd.id });
  const subscription = await aSubscription(t, { clients_id: client.id, packages_id: pkg.id });
  const invoice = await t.rpc('accounting.invoices.create', { clients_id: client.id, start_dt: '2026-11-01', end_dt: '2026-12-01' });
  const ids = [usd.id, rate.body.result.id, reseller.id, client.id, pkg.id, subscription.id, invoice.body.result.id];
  expect(ids).toEqual([1, 1, 1, 1, 1, 1, 1]);
}

// SPEC §8 as a person does it: open the Swagger UI, "Authorize" with an API key, "Try it out".
describe('Swagger UI in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let page: Page;

  beforeAll(async () => {
    t = await startTestApp();
    await seedWhatTheExamplesName(t);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage();
    await page.goto(`${base}/docs`);
    await page.locator('button.authorize').first().click();
    const apiKeyForm = page.locator('.auth-container').filter({ hasText: 'X-Api-Key' });
    await apiKeyForm.locator('input').fill(ADMIN_KEY);
    await apiKeyForm.locator('button.authorize').click();
    await page.locator('button.btn-done').first().click();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  /** Opens the operation, "Try it out", optionally fills parameters, "Execute": its live answer's status and body text. */
  async function tryItOut(verb: string, path: string, fill: Record<string, string> = {}): Promise<{ status: string; body: string; curl: string }> {
    const operation = page.locator(`.opblock-${verb}`).filter({ has: page.locator(`[data-path="${path}"]`) });
    await operation.locator('.opblock-summary').click();
    const tryOut = operation.locator('button.try-out__btn');
    if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click(); // else still on from an earlier test
    for (const [name, value] of Object.entries(fill)) await operation.locator(`input[placeholder="${name}"]`).fill(value);
    await operation.locator('button.execute').click();
    const live = operation.locator('.live-responses-table tbody .response');
    await live.waitFor();
    const status = (await live.locator('.response-col_status').innerText()).trim();
    const body = (await live.locator('.response-col_description').innerText()).trim();
    const curl = await operation.locator('.curl-command').innerText();
    await operation.locator('.opblock-summary').click(); // closed again: the page stays small
    return { status, body, curl };
  }

  it('authorizes with an API key and runs accounting.currencies.get', async () => {
    const { status, body, curl } = await tryItOut('get', '/accounting/currencies/{id}', { id: '1' });
    expect(status).toBe('200');
    const json = JSON.parse(body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1));
    expect(json).toEqual({ id: 1, name: 'USD', description: null, rates_precision: 4, details_precision: 4, totals_precision: 2, c_dt: json.c_dt });
    expect(curl).toContain(`X-Api-Key: ${ADMIN_KEY}`);
    await page.screenshot({ path: process.env.SCREENSHOT_PATH ?? '/tmp/swagger-ui.png', fullPage: false });
  });

  it('runs every GET route with its prefilled example, unchanged, to a 2xx answer', async () => {
    const doc = (await t.rest('GET', '/docs/json', undefined, { key: null })).body;
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([, operations]) => 'get' in operations)
      .map(([path]) => path);
    expect(routes.length).toBe(23);
    const outcomes: Record<string, string> = {};
    for (const path of routes) {
      const { status, body } = await tryItOut('get', path);
      // A search finds the seeded rows: no filter is prefilled with a value that matches nothing.
      outcomes[path] = status.startsWith('2') && !/^\[\]$/m.test(body) ? '2xx' : `${status} ${body.slice(0, 300)}`;
    }
    expect(outcomes).toEqual(Object.fromEntries(routes.map((path) => [path, '2xx'])));
  }, 180000);

  it('shows each error status of an operation with its own example', async () => {
    const operation = page.locator('.opblock-get').filter({ has: page.locator('[data-path="/clients/{id}"]') });
    await operation.locator('.opblock-summary').click();
    const examples: Record<string, string> = {};
    for (const status of ['400', '401', '404', '500', '503']) {
      const row = operation.locator(`tr.response[data-code="${status}"]`);
      examples[status] = (await row.locator('.example, pre').first().innerText()).replace(/\s+/g, '');
    }
    await operation.locator('.opblock-summary').click();
    expect(examples['400']).toBe('{"error":{"message":"Invalidparams","data":{"name":"mustnotbeempty"}}}');
    expect(examples['401']).toContain('"code":"utoken-auth-failed"');
    expect(examples['404']).toContain('"code":"not_found"');
    expect(examples['500']).toBe('{"error":{"message":"Internalerror","data":{"code":"internal-error"}}}');
    expect(examples['503']).toContain('"code":"service-unavailable"');
    expect(new Set(Object.values(examples)).size).toBe(5);
  });
});
