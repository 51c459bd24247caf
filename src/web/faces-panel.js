// Face search: the photo goes to POST /upload, SearchMediaByFace finds the assets the person is in,
// SearchMediaClipByFace (same FaceSearchToken) lists the moments in each, and SearchMedia with
// WithFileUrls supplies covers and playable files.
import { randomHex } from './signature.js';
import { $, fileDropZone, formatScore, formatTime, h, mapLimit } from './dom.js';
import { onLanguageChange, t } from './i18n.js';

const MAX_ASSETS = 50;
/** Ids per SearchMedia Match: keeps the condition far below its 4096-byte limit. */
const IDS_PER_MATCH = 20;

export function initFaces(app) {
  const preview = $('#face-preview');
  const button = $('#face-search');
  const summary = $('#face-summary');
  const results = $('#face-results');
  let photo = null;
  let last = null;

  fileDropZone($('#face-drop'), $('#face-file'), (files) => {
    const file = files.find((f) => f.type.startsWith('image/')) ?? files[0];
    if (!file) return;
    photo = file;
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    button.disabled = false;
  });

  async function search() {
    if (!photo) {
      summary.textContent = t('faceChoosePhoto');
      return;
    }
    button.disabled = true;
    summary.textContent = t('faceSearching');
    results.replaceChildren();
    last = null;
    try {
      const input = await app.upload(photo);
      const token = randomHex(16);
      const type = $('#face-type').value;
      const found = await app.call('SearchMediaByFace', {
        PersonImageUrl: input,
        FaceSearchToken: token,
        MediaType: type || undefined,
        PageSize: MAX_ASSETS,
      });
      const hits = found.MediaInfoList ?? [];
      const [details, clips] = await Promise.all([
        mediaDetails(hits.map((hit) => hit.MediaId)),
        mapLimit(hits, 4, (hit) =>
          app
            .call('SearchMediaClipByFace', { FaceSearchToken: token, MediaId: hit.MediaId, PageSize: 50 })
            .then((body) => body.MediaClipList ?? [])
            .catch((error) => ({ error })),
        ),
      ]);
      last = { total: found.Total ?? hits.length, hits, details, clips };
      render();
    } catch (error) {
      summary.textContent = app.isUnknownAction(error) ? t('featureUnavailable', { action: 'SearchMediaByFace' }) : '';
      if (!app.isUnknownAction(error)) app.showError(error);
    } finally {
      button.disabled = false;
    }
  }

  /** MediaId → SearchMedia item (MediaBasicInfo, CoverUrl, FileUrl). */
  async function mediaDetails(ids) {
    const byId = new Map();
    for (let i = 0; i < ids.length; i += IDS_PER_MATCH) {
      const chunk = ids.slice(i, i + IDS_PER_MATCH);
      const match = `mediaId in (${chunk.map((id) => `'${id.replace(/[\\']/g, '\\$&')}'`).join(',')})`;
      const body = await app.call('SearchMedia', { Match: match, PageSize: 50, WithFileUrls: 'true' });
      for (const item of body.MediaInfoList ?? []) byId.set(item.MediaId, item);
    }
    return byId;
  }

  function render() {
    if (!last) return;
    const { total, hits, details, clips } = last;
    summary.textContent = hits.length === 0 ? t('faceNone') : t('faceSummary', { total });
    results.replaceChildren(...hits.map((hit, i) => assetResult(hit, details.get(hit.MediaId), clips[i])));
  }

  function assetResult(hit, detail, clipList) {
    const info = detail?.MediaBasicInfo ?? {};
    const mediaType = info.MediaType ?? 'video';
    const title = info.Title || hit.MediaId;
    const moments = Array.isArray(clipList) ? momentsOf(clipList) : [];
    const tracks = moments.flatMap((moment) => moment.tracks);
    const isVideo = mediaType === 'video';
    const open = (from) =>
      app.player.open({
        mediaId: hit.MediaId,
        title,
        mediaType,
        fileUrl: detail?.FileUrl ?? '',
        imageUrl: detail?.CoverUrl ?? '',
        from,
        info: hit.Score !== undefined ? `${t('score')} ${formatScore(hit.Score)}` : '',
        moments,
        tracks,
      });
    return h(
      'article',
      { class: 'face-hit card', dataset: { mediaId: hit.MediaId, mediaType } },
      h(
        'button',
        { type: 'button', class: 'thumb', onclick: () => open(moments[0]?.from ?? 0), 'aria-label': title },
        // A video's cover is its first frame, often not the person: show the frame of the first
        // moment instead, by loading just enough of the file (a media fragment, Range requests).
        isVideo && detail?.FileUrl && moments.length > 0
          ? h('video', { src: `${detail.FileUrl}#t=${moments[0].from + 0.1}`, preload: 'metadata', muted: true, playsinline: true, tabindex: -1 })
          : detail?.CoverUrl
            ? h('img', { src: detail.CoverUrl, alt: '', loading: 'lazy' })
            : null,
        h('span', { class: 'badge' }, t(mediaType)),
      ),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'title' }, title),
        hit.Score !== undefined ? h('span', { class: 'score' }, `${t('score')} ${formatScore(hit.Score)}`) : null,
        clipList?.error
          ? h('span', { class: 'error' }, app.errorText(clipList.error))
          : isVideo
            ? h(
                'div',
                { class: 'chips' },
                moments.length === 0 ? h('span', { class: 'muted' }, t('faceMomentsNone')) : null,
                ...moments.map((moment) =>
                  h(
                    'button',
                    { type: 'button', class: 'chip moment', dataset: { from: moment.from, to: moment.to }, onclick: () => open(moment.from) },
                    `${formatTime(moment.from)}–${formatTime(moment.to)}`,
                    h('span', { class: 'muted' }, ` · ${formatScore(moment.score)}`),
                    moment.label ? h('span', { class: 'muted' }, ` · ${moment.label}`) : null,
                  ),
                ),
              )
            : moments.some((m) => m.label)
              ? h('span', { class: 'muted small' }, moments.map((m) => m.label).filter(Boolean)[0])
              : null,
      ),
    );
  }

  button.addEventListener('click', search);
  app.onLibraryChange(() => {
    results.replaceChildren();
    summary.textContent = '';
    last = null;
  });
  onLanguageChange(render);
  return {};
}

/** SearchMediaClipByFace's clips, one moment per occurrence, in time order. */
function momentsOf(clipList) {
  const moments = [];
  for (const clip of clipList) {
    const label = clip.LabelName || '';
    for (const occurrence of clip.OccurrencesInfos ?? []) {
      moments.push({
        from: Number(occurrence.StartTime) || 0,
        to: Number(occurrence.EndTime) || 0,
        score: clip.Score,
        label,
        tracks: (occurrence.TrackData ?? [])
          .filter((point) => point.BoxPosition)
          .map((point) => ({ time: Number(point.Timestamp) || 0, box: point.BoxPosition })),
      });
    }
  }
  return moments.sort((a, b) => a.from - b.from);
}
