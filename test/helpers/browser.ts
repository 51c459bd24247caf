import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

/** Debian's `chromium` package; CI installs it (.ci/run), elsewhere the browser tests skip. */
export const CHROMIUM_PATH = process.env.MEDIASEARCH_CHROMIUM ?? '/usr/bin/chromium';

/** false when Chromium is here, else the skip message node:test prints. */
export function chromiumMissing(): string | false {
  return fs.existsSync(CHROMIUM_PATH) ? false : `needs Chromium at ${CHROMIUM_PATH} (apt-get install chromium); browser tests skipped`;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Where screenshots go: MEDIASEARCH_SCREENSHOT_DIR (docs/screenshots when regenerating the
 * documentation's pictures), else test-artifacts/screenshots in the repository (git-ignored; CI
 * keeps it as an artefact).
 */
export const SCREENSHOT_DIR = path.resolve(
  process.env.MEDIASEARCH_SCREENSHOT_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts/screenshots'),
);

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // Animations (the caret, transitions) would make two runs' pictures differ for no reason.
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

/** Collects what the page printed as errors, so a test can fail on a broken script. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}
