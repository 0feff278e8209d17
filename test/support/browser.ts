// Debian's Chromium driven by playwright-core (which never downloads a browser). Browser
// tests skip where Chromium is not installed, unless EVALHUB_REQUIRE_BROWSER is set (CI
// sets it, so there they always run).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const browserMissing = !existsSync(CHROMIUM) && !process.env.EVALHUB_REQUIRE_BROWSER;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
