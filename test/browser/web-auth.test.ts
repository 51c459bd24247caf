import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, screenshot } from '../helpers/browser.js';
import { tempDir } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server-harness.js';
import { signPng } from '../helpers/web-fixtures.js';

/** See web-ui.test.ts: the page callbacks are compiled without the DOM type library. */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly open: boolean;
  readonly complete: boolean;
  readonly naturalWidth: number;
}
declare const document: { querySelector(selector: string): PageElement | null };
declare const sessionStorage: { getItem(key: string): string | null };

const KEY_ID = 'webKey';
const KEY_SECRET = 'web-secret-9f2c';

/**
 * With MEDIASEARCH_ACCESS_KEYS the page signs every call itself (signature 1.0 computed in the
 * browser): sign-in, a signed upload and insert, a signed search, and file URLs that work in
 * <img> tags without any signature of the caller.
 */
describe('web page against a server with access keys', { skip: chromiumMissing() }, () => {
  const temp = tempDir('mediasearch-web-auth-');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    fs.mkdirSync(path.join(temp.dir, 'media'));
    await signPng(path.join(temp.dir, 'media', 'lighthouse.png'), 'Lighthouse Point');
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_MODEL_DIR: path.join(temp.dir, 'models'),
      MEDIASEARCH_ACCESS_KEYS: `${KEY_ID}:${KEY_SECRET}`,
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    temp.cleanup();
  });

  it('asks for an AccessKey pair and refuses a wrong secret with the server\'s reason', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.querySelector('#login')?.open === true);
    await page.fill('#login-id', KEY_ID);
    await page.fill('#login-secret', 'not-the-secret');
    await page.click('#login-form button[type=submit]');
    await page.locator('#login-error', { hasText: 'SignatureDoesNotMatch' }).waitFor();
    await page.fill('#login-id', 'nobody');
    await page.fill('#login-secret', KEY_SECRET);
    await page.click('#login-form button[type=submit]');
    await page.locator('#login-error', { hasText: 'InvalidAccessKeyId.NotFound' }).waitFor();
    await screenshot(page, 'sign-in');
    await page.fill('#login-id', KEY_ID);
    await page.fill('#login-secret', KEY_SECRET);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready=true]');
    assert.equal(await page.evaluate(() => document.querySelector('#login')?.open), false);
    assert.equal(await page.inputValue('#library'), 'ims-default-search-lib');
    // Kept for this tab only; the secret is never sent, only signatures are.
    assert.match((await page.evaluate(() => sessionStorage.getItem('mediasearch.credentials'))) ?? '', /webKey/);
  });

  it('uploads, inserts and searches with signed calls, and shows the signed file URLs', async () => {
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') sent.push(`${request.url()} ${request.postData() ?? ''}`);
    });
    await page.click('#tab-button-media');
    await page.setInputFiles('#add-files', path.join(temp.dir, 'media', 'lighthouse.png'));
    await page.waitForSelector('#upload-list li[data-state=added]', { timeout: 60_000 });
    const mediaId = await page.getAttribute('#upload-list li', 'data-media-id');
    // mm fails here (no model is installed), the other index jobs succeed: wait for the labels.
    await page.waitForSelector(`.media-row[data-media-id="${mediaId}"] .job[data-index=aiLabel][data-status=Success]`, { timeout: 180_000 });

    await page.click('#tab-button-search');
    await page.fill('#query', 'lighthouse');
    await page.press('#query', 'Enter');
    await page.locator(`.card.result[data-media-id="${mediaId}"]`).waitFor();
    await page.waitForFunction((id) => {
      const image = document.querySelector(`.card.result[data-media-id="${id}"] img`);
      return image !== null && image.complete && image.naturalWidth > 0;
    }, mediaId);

    assert.ok(sent.length >= 4, sent.join('\n'));
    for (const request of sent) {
      assert.match(request, /SignatureMethod=HMAC-SHA1/, request);
      assert.match(request, /Signature=/, request);
      assert.ok(!request.includes(KEY_SECRET), 'the secret never goes over the wire');
    }
    assert.ok(sent.some((request) => request.includes('/upload?')), 'the upload was signed too');
  });

  it('stays signed in across a reload, and signs out', async () => {
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    assert.equal(await page.evaluate(() => document.querySelector('#login')?.open), false);
    await page.click('#sign-out');
    await page.waitForFunction(() => document.querySelector('#login')?.open === true);
  });
});
