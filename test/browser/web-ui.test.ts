import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, pageErrors, screenshot } from '../helpers/browser.js';
import { tempDir } from '../helpers/fixtures.js';
import { rpc, startServer, type RunningServer } from '../helpers/server-harness.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';
import { signPng, videoWithStill } from '../helpers/web-fixtures.js';

/**
 * What the callbacks given to page.evaluate/waitForFunction use: they run inside the page, but are
 * compiled here, where the type library has no DOM.
 */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  readonly value: string;
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly readyState: number;
  readonly seeking: boolean;
  readonly currentTime: number;
  readonly disabled: boolean;
  getBoundingClientRect(): { width: number };
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  readonly documentElement: { scrollWidth: number };
};

/** Ingest plus face and label analysis of a handful of small files on a loaded 2-core machine. */
const JOBS_TIMEOUT_MS = 300_000;
const FACES = 'faces/face_recognition';

/**
 * The web page end to end in real headless Chromium against the real server: media added through
 * the page (uploads and a URL), analysed by the real job system, searched, played, and searched by
 * face. Nothing is mocked; screenshots go to MEDIASEARCH_SCREENSHOT_DIR (test/helpers/browser.ts).
 */
describe('web page in headless Chromium', { skip: chromiumMissing() }, () => {
  const temp = tempDir('mediasearch-web-');
  const media = path.join(temp.dir, 'media');
  const facesMissing = sharedDataMissing(`${FACES}/obama.jpg`);
  let server: RunningServer;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  /** MediaId by fixture name, as the page reported them after adding. */
  const ids: Record<string, string> = {};

  before(async () => {
    fs.mkdirSync(media, { recursive: true });
    await signPng(path.join(media, 'bakery.png'), 'Fresh Bread Bakery');
    videoWithStill(path.join(media, 'bakery.png'), path.join(media, 'bakery.mp4'));
    await signPng(path.join(media, 'paris.png'), 'Welcome to Paris');
    await signPng(path.join(media, 'harbour.png'), 'Harbour Ferry Pier');
    await signPng(path.join(media, 'market.png'), 'Daily Bread Market');
    await signPng(path.join(media, 'oven-sign.png'), 'Bread Oven Tour');
    videoWithStill(path.join(media, 'oven-sign.png'), path.join(media, 'oven.mp4'), { first: 2, second: 3, stillFirst: true });
    if (!facesMissing) {
      for (const name of ['obama2.jpg', 'biden.jpg']) fs.copyFileSync(path.join(SHARED_DATA, FACES, name), path.join(media, name));
      // The head and shoulders of a third photo as the second shot of a video: a face moment from 2 s.
      videoWithStill(path.join(SHARED_DATA, FACES, 'obama3.jpg'), path.join(media, 'speech.mp4'), {
        first: 2,
        second: 3,
        crop: 'crop=iw:ih*0.4:0:0',
      });
    }
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: media,
      MEDIASEARCH_MODEL_DIR: path.join(temp.dir, 'models'),
    });
    url = server.url;
    // No visual-language model is installed here (tests download nothing), so the library runs
    // without the mm index, as a deployment without a pulled model would; search uses the text
    // channel (OCR, titles) and says why the model channel is absent.
    const altered = await rpc(url, 'AlterSearchIndex', { IndexType: 'mm', IndexStatus: 'Deactive' });
    assert.equal(altered.status, 200, JSON.stringify(altered.body));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    // Generous: the analysis jobs of other tests may be sharing these two cores.
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    errors = pageErrors(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    temp.cleanup();
  });

  it('serves the page at / and follows it into the media tab', async () => {
    await page.goto(`${url}/#media`);
    await page.waitForSelector('body[data-ready=true]');
    assert.equal(await page.title(), 'mediasearch');
    assert.equal(await page.locator('#tab-button-media').getAttribute('aria-selected'), 'true');
    assert.equal(await page.inputValue('#library'), 'ims-default-search-lib');
  });

  it('adds media by upload and by URL, and shows each asset\'s jobs until they are done', async (t) => {
    const files = ['bakery.mp4', 'paris.png', 'market.png', 'oven.mp4', ...(facesMissing ? [] : ['obama2.jpg', 'biden.jpg', 'speech.mp4'])];
    await page.setInputFiles('#add-files', files.map((name) => path.join(media, name)));
    await page.waitForFunction(
      (count) => document.querySelectorAll('#upload-list li[data-state=added]').length === count || document.querySelector('#upload-list li[data-state=failed]'),
      files.length,
      { timeout: 60_000 },
    );
    const uploaded = await page.$$eval('#upload-list li', (items) =>
      items.map((li) => ({ name: li.querySelector('.name')?.textContent ?? '', state: li.dataset.state, id: li.dataset.mediaId, text: li.textContent })),
    );
    t.diagnostic(JSON.stringify(uploaded));
    for (const item of uploaded) {
      assert.equal(item.state, 'added', item.text ?? '');
      ids[item.name.replace(/\.\w+$/, '')] = item.id!;
    }

    // By URL, with a Chinese title and a custom field, which the search tests filter on.
    await page.fill('#add-url', pathToFileURL(path.join(media, 'harbour.png')).href);
    await page.fill('#add-title', '港口渡轮码头');
    await page.click('.add-fields summary');
    await page.fill('#add-int1', '7');
    await page.click('#add-url-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#add-url')?.value === '');
    const total = files.length + 1;
    await page.waitForFunction((count) => document.querySelectorAll('.media-row').length === count, total);
    ids.harbour = (await page.$$eval('.media-row', (rows) => rows.find((row) => row.textContent?.includes('港口渡轮码头'))?.dataset.mediaId))!;
    assert.ok(ids.harbour, 'the asset added by URL is listed with its title');
    // Every row carries its index jobs (face and aiLabel; mm is deactivated) and a progress bar.
    const jobs = await page.$$eval('.media-row', (rows) => rows.map((row) => [...row.querySelectorAll('.job')].map((job) => job.dataset.index)));
    for (const list of jobs) assert.deepEqual(list, ['face', 'aiLabel']);
    await screenshot(page, 'media-jobs');

    // The list refreshes itself while jobs run; a failure ends the wait at once with its message.
    await page.waitForFunction(
      (count) =>
        document.querySelectorAll('.media-row[data-state=done]').length === count || document.querySelector('.media-row[data-state=failed]'),
      total,
      { timeout: JOBS_TIMEOUT_MS, polling: 500 },
    );
    const failed = await page.$$eval('.media-row[data-state=failed]', (rows) => rows.map((row) => row.dataset.mediaId!));
    for (const mediaId of failed) t.diagnostic(JSON.stringify((await rpc(url, 'QueryMediaIndexJob', { MediaId: mediaId })).body));
    assert.deepEqual(failed, []);
    const progress = await page.$$eval('.media-row progress', (bars) => bars.map((bar) => [bar.value, bar.max]));
    for (const [value, max] of progress) assert.equal(value, max);

    // Details: QueryMediaIndexJob's submit and finish times per job.
    await page.click(`.media-row[data-media-id="${ids.bakery}"] .actions button`);
    await page.waitForSelector(`.media-row[data-media-id="${ids.bakery}"] .job-table td[data-status=Success]`);
  });

  it('searches in English, shows each clip\'s keyframe, time range and score, and plays the video from the clip', async () => {
    await page.click('#tab-button-search');
    await page.fill('#query', 'bread');
    await page.press('#query', 'Enter');
    const card = page.locator(`.card.result[data-media-id="${ids.bakery}"]`);
    await card.waitFor();
    // The three signs that say "bread", each with the picture of its own clip.
    const shown = await page.$$eval('.card.result', (cards) => cards.map((c) => `${c.dataset.mediaId}@${c.dataset.from}`));
    assert.deepEqual(new Set(shown.map((entry) => entry.split('@')[0])), new Set([ids.bakery, ids.market, ids.oven]), JSON.stringify(shown));
    assert.ok(shown.includes(`${ids.oven}@0`), `the oven video's sign is its first shot: ${JSON.stringify(shown)}`);
    const from = Number(await card.getAttribute('data-from'));
    assert.ok(from >= 2.5 && from <= 3.5, `the clip starts at the cut (3 s), got ${from}`);
    assert.equal(await card.locator('.time').textContent(), '0:03–0:06');
    assert.match((await card.locator('.score').textContent()) ?? '', /^score (0|1)\.\d\d$/);
    // The keyframe came through its signed URL (a broken image has naturalWidth 0).
    await page.waitForFunction(
      (id) => {
        const image = document.querySelector(`.card.result[data-media-id="${id}"] img`);
        return image !== null && image.complete && image.naturalWidth > 0;
      },
      ids.bakery,
    );
    await page.waitForFunction(() => [...document.querySelectorAll('.card.result img')].every((image) => image.complete));
    await screenshot(page, 'search-results');

    const fileResponses: number[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/original?')) fileResponses.push(response.status());
    });
    await card.click();
    await page.waitForFunction(() => {
      const video = document.querySelector('#player-video');
      return video !== null && video.readyState >= 2 && !video.seeking && video.currentTime > 0;
    });
    const currentTime = await page.evaluate(() => document.querySelector('#player-video')!.currentTime);
    assert.ok(currentTime >= from - 0.05 && currentTime < from + 1.5, `video plays from ${from}, currentTime is ${currentTime}`);
    // The browser fetched the original with Range requests (206), which is what lets it seek.
    assert.ok(fileResponses.includes(206), `original file responses: ${fileResponses.join(', ')}`);
    await page.waitForFunction((start) => document.querySelector('#player-video')!.currentTime > start + 0.3, currentTime);
    await screenshot(page, 'video-playing');
    await page.click('#player-close');
  });

  it('switches the interface to Chinese and finds media by a Chinese query', async () => {
    await page.click('#lang-toggle');
    assert.equal(await page.textContent('#tab-button-search'), '搜索');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.fill('#query', '渡轮码头');
    await page.press('#query', 'Enter');
    await page.locator(`.card.result[data-media-id="${ids.harbour}"]`).waitFor();
    assert.match((await page.textContent('#search-summary')) ?? '', /共 \d+ 个匹配的媒资/);
    await screenshot(page, 'search-results-zh');
    await page.click('#lang-toggle');
    assert.equal(await page.textContent('#tab-button-search'), 'Search');
  });

  it('filters by media type and custom fields', async () => {
    await page.click('#filters summary');
    await page.fill('#query', 'bread');
    // Waits until the grid shows exactly these assets (each filter change runs the search again).
    const showsExactly = (expected: string[]) =>
      page.waitForFunction(
        (wanted) => {
          const shown = new Set([...document.querySelectorAll('.card.result')].map((card) => card.dataset.mediaId));
          return shown.size === wanted.length && wanted.every((id) => shown.has(id));
        },
        expected,
      );
    await page.selectOption('#f-type', 'image');
    await showsExactly([ids.market!]);
    await page.selectOption('#f-type', 'video');
    await showsExactly([ids.bakery!, ids.oven!]);
    // Creation time: everything here was created today (two days either way, whatever the time zone).
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.fill('#f-from', day(2));
    await page.dispatchEvent('#f-from', 'change');
    await page.waitForFunction(() => document.querySelector('#search-summary')?.textContent?.startsWith('Nothing matched'));
    await page.fill('#f-from', day(-2));
    await page.dispatchEvent('#f-from', 'change');
    await showsExactly([ids.bakery!, ids.oven!]);
    await page.click('#f-clear');

    await page.fill('#query', '渡轮');
    await page.press('#query', 'Enter');
    await page.locator(`.card.result[data-media-id="${ids.harbour}"]`).waitFor();
    await page.fill('#f-int-min', '8');
    await page.dispatchEvent('#f-int-min', 'change');
    await page.waitForFunction(() => document.querySelector('#search-summary')?.textContent?.startsWith('Nothing matched'));
    await page.fill('#f-int-min', '7');
    await page.dispatchEvent('#f-int-min', 'change');
    await page.locator(`.card.result[data-media-id="${ids.harbour}"]`).waitFor();
    await page.click('#f-clear');
  });

  it('fits a phone-sized screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'en-US' });
    try {
      phone.setDefaultTimeout(60_000);
      const small = await phone.newPage();
      const smallErrors = pageErrors(small);
      await small.goto(`${url}/`);
      await small.waitForSelector('body[data-ready=true]');
      await small.fill('#query', 'bread');
      await small.press('#query', 'Enter');
      await small.locator(`.card.result[data-media-id="${ids.bakery}"]`).waitFor();
      await small.waitForFunction(() => [...document.querySelectorAll('.card.result img')].every((image) => image.complete));
      const widths = await small.evaluate(() => ({ page: document.documentElement.scrollWidth, card: document.querySelector('.card.result')!.getBoundingClientRect().width }));
      assert.ok(widths.page <= 390, `nothing scrolls sideways: the page is ${widths.page}px wide`);
      assert.ok(widths.card < 195, `two result columns: a card is ${widths.card}px wide`);
      await screenshot(small, 'search-results-phone');
      assert.deepEqual(smallErrors, []);
    } finally {
      await phone.close();
    }
  });

  it('names a person from the clustered faces', async (t) => {
    if (facesMissing) return t.skip(facesMissing);
    await page.click('#tab-button-persons');
    await page.waitForFunction(() => document.querySelector('#persons-summary')?.textContent);
    const summary = (await page.textContent('#persons-summary')) ?? '';
    if (summary.includes('does not offer')) return t.skip(`the server has no persons yet: ${summary}`);
    const persons = await page.$$eval('.card.person', (cards) => cards.map((card) => ({ id: card.dataset.personId!, media: Number(card.dataset.mediaCount) })));
    t.diagnostic(JSON.stringify(persons));
    // Obama is in a photo and in a video: clustering should have made one person of both.
    const obama = persons.find((person) => person.media >= 2);
    assert.ok(obama, `a person seen in two media, got ${JSON.stringify(persons)}`);
    const card = page.locator(`.card.person[data-person-id="${obama.id}"]`);
    await page.waitForFunction((id) => {
      const image = document.querySelector(`.card.person[data-person-id="${id}"] img`);
      return image !== null && image.complete && image.naturalWidth > 0;
    }, obama.id);
    await card.locator('form.name-form:not(.split-form) input').fill('Barack Obama');
    await card.locator('form.name-form:not(.split-form) button[type=submit]').click();
    await card.locator('[role=status]', { hasText: 'Saved' }).waitFor();
    await page.selectOption('#persons-filter', 'named');
    await page.locator('.card.person .title', { hasText: 'Barack Obama' }).waitFor();
    await screenshot(page, 'persons');
  });

  it('splits a video off a person and merges the two persons again', async (t) => {
    if (facesMissing) return t.skip(facesMissing);
    if (!ids.speech) return t.skip('the speech video was not added');
    await page.selectOption('#persons-filter', 'all');
    const obama = page.locator('.card.person', { has: page.locator('.title', { hasText: 'Barack Obama' }) });
    await obama.waitFor();
    const obamaId = (await obama.getAttribute('data-person-id'))!;
    const before = await page.locator('.card.person').count();
    await obama.locator('button', { hasText: 'Split' }).click();
    await obama.locator('form.split-form input').fill(ids.speech);
    await obama.locator('form.split-form button[type=submit]').click();
    await page.waitForFunction((n) => document.querySelectorAll('.card.person').length === n + 1, before);
    assert.equal(await page.locator(`.card.person[data-person-id="${obamaId}"]`).getAttribute('data-media-count'), '1');
    // The split made the newest person (the highest id).
    const made = Math.max(...(await page.$$eval('.card.person', (cards) => cards.map((card) => Number(card.dataset.personId)))));
    // Tick the named person first, so the merge keeps its id and name, then the split-off one.
    await page.locator(`.card.person[data-person-id="${obamaId}"] .person-pick`).check();
    await page.locator(`.card.person[data-person-id="${made}"] .person-pick`).check();
    await page.click('#persons-merge');
    await page.waitForFunction((n) => document.querySelectorAll('.card.person').length === n, before);
    const merged = page.locator(`.card.person[data-person-id="${obamaId}"]`);
    assert.equal(await merged.getAttribute('data-media-count'), '2');
    assert.match((await merged.locator('.title').textContent()) ?? '', /Barack Obama/);
  });

  it('searches by a face photo and plays the person\'s moment in a video', async (t) => {
    if (facesMissing) return t.skip(facesMissing);
    await page.click('#tab-button-faces');
    await page.setInputFiles('#face-file', path.join(SHARED_DATA, FACES, 'obama.jpg'));
    await page.click('#face-search');
    await page.waitForFunction(() => {
      const summary = document.querySelector('#face-summary')?.textContent ?? '';
      return summary !== '' && !summary.startsWith('Uploading') && !document.querySelector('#face-search')?.disabled;
    }, null, { timeout: 120_000 });
    const summary = (await page.textContent('#face-summary')) ?? '';
    if (summary.includes('does not offer')) return t.skip(`face search is not registered on this server yet: ${summary}`);
    const hits = await page.$$eval('.face-hit', (cards) => cards.map((card) => card.dataset.mediaId!));
    t.diagnostic(JSON.stringify({ summary, hits, ids }));
    assert.ok(hits.includes(ids.speech!), 'the video Obama appears in');
    assert.ok(hits.includes(ids.obama2!), 'the other photo of Obama');
    if (hits.includes(ids.biden!)) assert.ok(hits.indexOf(ids.biden!) > Math.max(hits.indexOf(ids.speech!), hits.indexOf(ids.obama2!)), 'Biden ranks below Obama');

    const moment = page.locator(`.face-hit[data-media-id="${ids.speech}"] .chip.moment`).first();
    const from = Number(await moment.getAttribute('data-from'));
    const to = Number(await moment.getAttribute('data-to'));
    assert.ok(from >= 1.5 && from <= 2.6 && to >= 4 && to <= 5.1, `Obama is on screen from 2 s to 5 s, the moment says ${from}–${to}`);
    // Images loaded, and each video thumbnail decoded the frame of its first moment.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.face-hit img')].every((image) => image.complete) &&
        [...document.querySelectorAll('.face-hit video')].every((video) => video.readyState >= 2 && !video.seeking),
    );
    await screenshot(page, 'face-results');

    await moment.click();
    await page.waitForFunction(() => {
      const video = document.querySelector('#player-video');
      return video !== null && video.readyState >= 2 && !video.seeking && video.currentTime > 0;
    });
    const currentTime = await page.evaluate(() => document.querySelector('#player-video')!.currentTime);
    assert.ok(currentTime >= from - 0.05 && currentTime < from + 1.5, `video plays from ${from}, currentTime is ${currentTime}`);
    // The face box of the track is drawn over the playing video.
    await page.waitForSelector('#player-boxes .box');
    await screenshot(page, 'face-moment');
    await page.click('#player-close');
  });

  it('ran without script errors', () => {
    assert.deepEqual(errors, []);
  });
});
