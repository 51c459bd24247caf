// Natural-language search: SearchMediaByHybrid (or Multimodal) with WithFileUrls, one card per
// matching clip with its keyframe, time range and score; a click plays the video from the clip.
import { $, $$, formatScore, formatTime, h } from './dom.js';
import { onLanguageChange, t } from './i18n.js';

const PAGE_SIZE = 20;

export function initSearch(app) {
  const summary = $('#search-summary');
  const results = $('#search-results');
  const pager = $('#search-pager');
  let last = null;

  /** The filters as the API's parameters: MediaType, UtcCreate (local days), CustomFilters. */
  function filterParams() {
    const params = {};
    const type = $('#f-type').value;
    if (type) params.MediaType = type;
    const from = $('#f-from').value;
    const to = $('#f-to').value;
    if (from || to) {
      const range = {};
      if (from) range.gte = new Date(`${from}T00:00:00`).getTime();
      if (to) range.lte = new Date(`${to}T23:59:59.999`).getTime();
      params.UtcCreate = JSON.stringify(range);
    }
    const custom = {};
    const min = $('#f-int-min').value;
    const max = $('#f-int-max').value;
    if (min !== '' || max !== '') {
      custom.intField1 = {};
      if (min !== '') custom.intField1.gte = Number(min);
      if (max !== '') custom.intField1.lte = Number(max);
    }
    for (const [field, input] of [['strField1', '#f-str1'], ['strField2', '#f-str2']]) {
      const values = $(input).value.split(',').map((v) => v.trim()).filter(Boolean);
      if (values.length === 1) custom[field] = values[0];
      else if (values.length > 1) custom[field] = values;
    }
    if (Object.keys(custom).length > 0) params.CustomFilters = JSON.stringify(custom);
    return params;
  }

  async function run(pageNo = 1) {
    const text = $('#query').value.trim();
    if (!text) {
      summary.textContent = t('enterQuery');
      return;
    }
    summary.textContent = t('searching');
    results.setAttribute('aria-busy', 'true');
    const action = $('#f-mode').value;
    try {
      const body = await app.call(action, { Text: text, PageNo: pageNo, PageSize: PAGE_SIZE, WithFileUrls: 'true', ...filterParams() });
      last = { body, pageNo };
      render();
    } catch (error) {
      summary.textContent = '';
      app.showError(error);
    } finally {
      results.removeAttribute('aria-busy');
    }
  }

  function render() {
    if (!last) return;
    const { body, pageNo } = last;
    const list = body.MediaList ?? [];
    summary.replaceChildren(
      list.length === 0 ? t('noResults') : t('resultsSummary', { total: body.Total }),
      ...(body.Warnings ?? []).map((warning) => h('span', { class: 'warning' }, warning)),
    );
    results.replaceChildren(...list.flatMap((media) => (media.ClipInfo ?? []).map((clip) => card(media, clip))));
    renderPager(pager, pageNo, Math.ceil((body.Total ?? 0) / PAGE_SIZE), run);
  }

  function card(media, clip) {
    const isVideo = media.MediaType === 'video';
    const picture = clip.ImageUrl || media.CoverUrl;
    return h(
      'button',
      {
        type: 'button',
        class: 'card result',
        dataset: { mediaId: media.MediaId, mediaType: media.MediaType ?? '', from: clip.From, to: clip.To },
        onclick: () =>
          app.player.open({
            mediaId: media.MediaId,
            title: media.Title || media.MediaId,
            mediaType: media.MediaType,
            fileUrl: media.FileUrl,
            imageUrl: picture,
            from: clip.From,
            info: `${isVideo ? `${formatTime(clip.From)}–${formatTime(clip.To)} · ` : ''}${t('score')} ${formatScore(clip.Score)}`,
            moments: media.ClipInfo.map((c) => ({ from: c.From, to: c.To, score: c.Score })),
          }),
      },
      h(
        'span',
        { class: 'thumb' },
        picture ? h('img', { src: picture, alt: '', loading: 'lazy' }) : null,
        h('span', { class: 'badge' }, t(media.MediaType ?? 'video')),
        isVideo ? h('span', { class: 'time' }, `${formatTime(clip.From)}–${formatTime(clip.To)}`) : null,
      ),
      h(
        'span',
        { class: 'meta' },
        h('span', { class: 'title' }, media.Title || media.MediaId),
        h('span', { class: 'score' }, `${t('score')} ${formatScore(clip.Score)}`),
      ),
    );
  }

  $('#search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    run(1);
  });
  for (const input of $$('#filters select, #filters input')) {
    input.addEventListener('change', () => {
      if ($('#query').value.trim()) run(1);
    });
  }
  $('#f-clear').addEventListener('click', () => {
    for (const input of $$('#filters input')) input.value = '';
    for (const select of $$('#filters select')) select.selectedIndex = 0;
    if ($('#query').value.trim()) run(1);
  });
  app.onLibraryChange(() => {
    results.replaceChildren();
    pager.replaceChildren();
    summary.textContent = '';
    if ($('#query').value.trim()) run(1);
  });
  onLanguageChange(render);
  return { activate: () => $('#query').focus() };
}

/** Previous / "page x of y" / next; nothing for a single page. */
export function renderPager(pager, pageNo, pages, go) {
  if (pages <= 1) {
    pager.replaceChildren();
    return;
  }
  pager.replaceChildren(
    h('button', { type: 'button', class: 'ghost', disabled: pageNo <= 1, onclick: () => go(pageNo - 1) }, t('prev')),
    h('span', { class: 'muted' }, t('pageOf', { page: pageNo, pages })),
    h('button', { type: 'button', class: 'ghost', disabled: pageNo >= pages, onclick: () => go(pageNo + 1) }, t('next')),
  );
}
