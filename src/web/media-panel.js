// Adding media (a URL, or files uploaded through POST /upload) and following their analysis:
// SearchMedia lists the library with each asset's IndexStatusList, QueryMediaIndexJob gives a job's
// times and error. The list refreshes itself while anything is still running.
import { $, fileDropZone, h } from './dom.js';
import { language, onLanguageChange, t } from './i18n.js';
import { renderPager } from './search-panel.js';

const PAGE_SIZE = 20;
const POLL_MS = 2000;
const IMAGE_EXTENSIONS = /\.(jpe?g|png|gif|webp|avif|heic|heif|bmp|tiff?)$/i;
const AUDIO_EXTENSIONS = /\.(mp3|wav|m4a|aac|ogg|oga|opus|flac)$/i;
const INDEX_LABELS = { mm: 'indexMm', face: 'indexFace', aiLabel: 'indexAiLabel' };
const JOB_LABELS = { Running: 'jobRunning', Success: 'jobSuccess', Fail: 'jobFail' };
const STATUS_LABELS = { Preparing: 'statusPreparing', Normal: 'statusNormal', PrepareFail: 'statusPrepareFail' };

/** ICE's default MediaType is video, so anything not recognisably a picture or a sound is one. */
function guessType(name) {
  const path = name.split(/[?#]/)[0];
  if (IMAGE_EXTENSIONS.test(path)) return 'image';
  if (AUDIO_EXTENSIONS.test(path)) return 'audio';
  return 'video';
}

function typeOfFile(file) {
  const major = (file.type || '').split('/')[0];
  return ['image', 'video', 'audio'].includes(major) ? major : guessType(file.name);
}

export function initMedia(app) {
  const list = $('#media-list');
  const uploads = $('#upload-list');
  let pageNo = 1;
  let last = null;
  let active = false;
  let timer = null;
  const expanded = new Map();

  /** MsgBody from the title and custom-field inputs of the add form. */
  function msgBody(title) {
    const body = {};
    if (title) body.title = title;
    const customFields = {};
    if ($('#add-int1').value !== '') customFields.intField1 = Number($('#add-int1').value);
    if ($('#add-str1').value.trim()) customFields.strField1 = $('#add-str1').value.trim();
    if ($('#add-str2').value.trim()) customFields.strField2 = $('#add-str2').value.trim();
    if (Object.keys(customFields).length > 0) body.customFields = customFields;
    return Object.keys(body).length > 0 ? JSON.stringify(body) : undefined;
  }

  $('#add-url-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('#add-url').value.trim();
    if (!input) return;
    try {
      await app.call('InsertMediaToSearchLib', {
        Input: input,
        MediaType: $('#add-type').value || guessType(input),
        MsgBody: msgBody($('#add-title').value.trim()),
      });
      for (const id of ['#add-url', '#add-title', '#add-int1', '#add-str1', '#add-str2']) $(id).value = '';
      await load(1);
    } catch (error) {
      app.showError(error);
    }
  });

  fileDropZone($('#add-drop'), $('#add-files'), async (files) => {
    for (const file of files) {
      const progress = h('progress', { max: 1, value: 0 });
      const state = h('span', { class: 'state' }, t('uploading'));
      const item = h('li', { dataset: { state: 'uploading' } }, h('span', { class: 'name' }, file.name), progress, state);
      uploads.prepend(item);
      try {
        const input = await app.upload(file, (fraction) => (progress.value = fraction));
        progress.value = 1;
        state.textContent = t('inserting');
        const body = await app.call('InsertMediaToSearchLib', { Input: input, MediaType: typeOfFile(file), MsgBody: msgBody(file.name) });
        state.textContent = t('added');
        item.dataset.state = 'added';
        item.dataset.mediaId = body.MediaId;
      } catch (error) {
        state.textContent = `${t('failed')}: ${app.errorText(error)}`;
        item.dataset.state = 'failed';
      }
      await load(1);
    }
  });

  async function load(page = pageNo) {
    clearTimeout(timer);
    try {
      const body = await app.call('SearchMedia', { PageNo: page, PageSize: PAGE_SIZE, SortBy: 'utcCreate:Desc', WithFileUrls: 'true' });
      pageNo = page;
      last = body;
      for (const mediaId of expanded.keys()) expanded.set(mediaId, await jobDetails(mediaId));
      render();
    } catch (error) {
      app.showError(error);
    }
    if (active && (last?.MediaInfoList ?? []).some(isBusy)) timer = setTimeout(() => load(), POLL_MS);
  }

  async function jobDetails(mediaId) {
    try {
      return (await app.call('QueryMediaIndexJob', { MediaId: mediaId })).IndexJobInfoList ?? [];
    } catch (error) {
      return { error };
    }
  }

  function render() {
    if (!last) return;
    const items = last.MediaInfoList ?? [];
    $('#media-total').textContent = t('mediaTotal', { total: last.Total ?? items.length });
    list.replaceChildren(...(items.length === 0 ? [h('p', { class: 'muted' }, t('mediaEmpty'))] : items.map(row)));
    renderPager($('#media-pager'), pageNo, Math.ceil((last.Total ?? 0) / PAGE_SIZE), load);
  }

  function row(item) {
    const info = item.MediaBasicInfo ?? {};
    const jobs = item.IndexStatusList ?? [];
    const steps = 1 + jobs.length;
    const done = (info.Status !== 'Preparing' ? 1 : 0) + jobs.filter((job) => job.IndexStatus !== 'Running').length;
    const details = expanded.get(item.MediaId);
    return h(
      'article',
      { class: 'media-row', dataset: { mediaId: item.MediaId, state: stateOf(item), status: info.Status ?? '' } },
      h(
        'button',
        {
          type: 'button',
          class: 'thumb',
          'aria-label': info.Title || item.MediaId,
          onclick: () =>
            app.player.open({
              mediaId: item.MediaId,
              title: info.Title || item.MediaId,
              mediaType: info.MediaType,
              fileUrl: item.FileUrl ?? '',
              imageUrl: item.CoverUrl ?? '',
              from: 0,
            }),
        },
        item.CoverUrl ? h('img', { src: item.CoverUrl, alt: '', loading: 'lazy' }) : null,
        h('span', { class: 'badge' }, t(info.MediaType ?? 'video')),
      ),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'title' }, info.Title || t('untitled')),
        h('span', { class: 'muted small' }, `${item.MediaId} · ${new Date(info.CreationTime).toLocaleString(language() === 'zh' ? 'zh-CN' : 'en')}`),
        h(
          'div',
          { class: 'progress-line' },
          h('progress', { max: steps, value: done }),
          h('span', { class: 'small' }, `${t(STATUS_LABELS[info.Status] ?? 'statusPreparing')} · ${t('jobsDone', { done, total: steps })}`),
        ),
        h(
          'div',
          { class: 'jobs' },
          ...jobs.map((job) =>
            h(
              'span',
              { class: 'job', dataset: { index: job.IndexType, status: job.IndexStatus } },
              `${t(INDEX_LABELS[job.IndexType] ?? job.IndexType)}: ${t(JOB_LABELS[job.IndexStatus] ?? job.IndexStatus)}`,
            ),
          ),
        ),
        details ? jobTable(details) : null,
      ),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'aria-expanded': String(Boolean(details)),
            onclick: async () => {
              if (expanded.has(item.MediaId)) expanded.delete(item.MediaId);
              else expanded.set(item.MediaId, await jobDetails(item.MediaId));
              render();
            },
          },
          t('details'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost danger',
            onclick: async () => {
              if (!confirm(t('confirmDelete', { id: item.MediaId }))) return;
              try {
                await app.call('DeleteMediaFromSearchLib', { MediaId: item.MediaId });
                expanded.delete(item.MediaId);
                await load();
              } catch (error) {
                app.showError(error);
              }
            },
          },
          t('deleteMedia'),
        ),
      ),
    );
  }

  function jobTable(details) {
    if (details.error) return h('p', { class: 'error' }, app.errorText(details.error));
    return h(
      'table',
      { class: 'job-table' },
      h('tr', {}, h('th', {}, ''), h('th', {}, ''), h('th', {}, t('submitted')), h('th', {}, t('finished'))),
      ...details.map((job) =>
        h(
          'tr',
          {},
          h('td', {}, t(INDEX_LABELS[job.IndexType] ?? job.IndexType)),
          h('td', { dataset: { status: job.Status } }, t(JOB_LABELS[job.Status] ?? job.Status), job.ErrorMessage ? h('div', { class: 'error small' }, job.ErrorMessage) : null),
          h('td', {}, job.GmtSubmit ?? ''),
          h('td', {}, job.GmtFinish ?? ''),
        ),
      ),
    );
  }

  $('#media-refresh').addEventListener('click', () => load());
  app.onLibraryChange(() => {
    expanded.clear();
    if (active) load(1);
  });
  onLanguageChange(render);
  return {
    activate() {
      active = true;
      load();
    },
    deactivate() {
      active = false;
      clearTimeout(timer);
    },
  };
}

function isBusy(item) {
  return item.MediaBasicInfo?.Status === 'Preparing' || (item.IndexStatusList ?? []).some((job) => job.IndexStatus === 'Running');
}

/** running while the file or any index job is still being worked on; failed when any part failed. */
function stateOf(item) {
  const status = item.MediaBasicInfo?.Status;
  const jobs = item.IndexStatusList ?? [];
  if (status === 'PrepareFail' || jobs.some((job) => job.IndexStatus === 'Fail')) return 'failed';
  if (status === 'Preparing' || jobs.some((job) => job.IndexStatus === 'Running')) return 'running';
  return 'done';
}
