import { chromium, Browser } from 'playwright-core';
import { aCurrency } from '../support/factories';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// SPEC §8 as a person does it: open the Swagger UI, "Authorize" with an API key, "Try it out".
describe('Swagger UI in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp();
    await aCurrency(t, 'USD');
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  it('authorizes with an API key and runs accounting.currencies.get', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs`);
    await page.locator('button.authorize').first().click();
    const apiKeyForm = page.locator('.auth-container').filter({ hasText: 'X-Api-Key' });
    await apiKeyForm.locator('input').fill(ADMIN_KEY);
    await apiKeyForm.locator('button.authorize').click();
    await page.locator('button.btn-done').first().click();

    const operation = page.locator('.opblock-get').filter({ has: page.locator('[data-path="/accounting/currencies/{id}"]') });
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('input[placeholder="id"]').fill('1');
    await operation.locator('button.execute').click();

    const live = operation.locator('.live-responses-table tbody .response');
    await live.waitFor();
    expect((await live.locator('.response-col_status').innerText()).trim()).toBe('200');
    const body = JSON.parse(await live.locator('.response-col_description pre').first().innerText());
    expect(body).toEqual({ id: 1, name: 'USD', description: null, rates_precision: 4, details_precision: 4, totals_precision: 2, c_dt: body.c_dt });
    expect(await operation.locator('.curl-command').innerText()).toContain(`X-Api-Key: ${ADMIN_KEY}`);
    await page.screenshot({ path: process.env.SCREENSHOT_PATH ?? '/tmp/swagger-ui.png', fullPage: false });
  });
});
