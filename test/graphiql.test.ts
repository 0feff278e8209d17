// GraphiQL, as a person uses it: the page renders from the hub's own assets and runs a query.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchBrowser } from './support/browser.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { RegisterModel } from './support/registry-documents.ts';

describe.skipIf(browserMissing)('GraphiQL in a browser', () => {
  let t: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestHub();
    await t.graphql(RegisterModel, {
      input: { project: 'vision', name: 'seen-in-graphiql', task: 'OTHER' },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders offline and runs the default query', async () => {
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(String(error)));
    page.on('requestfailed', (request) => failures.push(`failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()}: ${response.url()}`);
    });
    await page.goto(`${t.hub.url}/graphiql`);
    await page.waitForSelector('.graphiql-container');
    await page.click('.graphiql-execute-button');
    const result = page.locator('.result-window');
    await expect
      .poll(() => result.textContent(), { timeout: 15_000 })
      .toContain('seen-in-graphiql');
    expect(failures).toEqual([]);
  });
});
