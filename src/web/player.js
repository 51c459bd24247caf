// The viewer dialog: plays a video from a moment (the original file, fetched with Range requests
// as the browser seeks) or shows a picture, with the asset's other moments as chips and, for face
// results, the face boxes drawn over the picture or the playing video.
import { $, formatScore, formatTime, h } from './dom.js';
import { t } from './i18n.js';

/** A track point is drawn while the video is this close to it (face samples are ~0.5 s apart). */
const TRACK_WINDOW_SECONDS = 0.6;

export function createPlayer() {
  const dialog = $('#player');
  const video = $('#player-video');
  const image = $('#player-image');
  const boxes = $('#player-boxes');
  let current = null;

  $('#player-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    video.pause();
    current = null;
    boxes.replaceChildren();
  });
  // A click on the backdrop (outside the dialog's box) closes it, as on most media viewers.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });

  const mediaElement = () => (current?.mediaType === 'video' ? video : image);

  /** Boxes are positioned over the part of the element the picture fills (object-fit: contain). */
  function drawBoxes(points) {
    const element = mediaElement();
    const naturalWidth = element === video ? video.videoWidth : image.naturalWidth;
    const naturalHeight = element === video ? video.videoHeight : image.naturalHeight;
    if (!naturalWidth || !naturalHeight || points.length === 0) {
      boxes.replaceChildren();
      return;
    }
    const scale = Math.min(element.clientWidth / naturalWidth, element.clientHeight / naturalHeight);
    const left = element.offsetLeft + (element.clientWidth - naturalWidth * scale) / 2;
    const top = element.offsetTop + (element.clientHeight - naturalHeight * scale) / 2;
    boxes.replaceChildren(
      ...points.map(({ box }) =>
        h('div', {
          class: 'box',
          style: { left: `${left + box.X * scale}px`, top: `${top + box.Y * scale}px`, width: `${box.W * scale}px`, height: `${box.H * scale}px` },
        }),
      ),
    );
  }

  function drawVideoBoxes() {
    if (!current?.tracks?.length) return;
    const time = video.currentTime;
    let best = null;
    for (const point of current.tracks) {
      const distance = Math.abs(point.time - time);
      if (distance <= TRACK_WINDOW_SECONDS && (!best || distance < best.distance)) best = { ...point, distance };
    }
    drawBoxes(best ? [best] : []);
  }

  function markMoment() {
    const time = video.currentTime;
    for (const chip of $('#player-moments').children) {
      const inside = time >= Number(chip.dataset.from) - 0.05 && time <= Number(chip.dataset.to) + 0.05;
      chip.classList.toggle('current', inside);
    }
  }

  video.addEventListener('timeupdate', () => {
    drawVideoBoxes();
    markMoment();
  });
  video.addEventListener('seeked', drawVideoBoxes);
  // A format the browser cannot show (HEIC, TIFF) falls back to the keyframe, a JPEG of the picture.
  image.addEventListener('error', () => {
    if (current?.imageUrl && image.getAttribute('src') !== current.imageUrl) image.src = current.imageUrl;
  });
  image.addEventListener('load', () => {
    if (current?.mediaType !== 'video') drawBoxes(current?.tracks ?? []);
  });
  window.addEventListener('resize', () => {
    if (!dialog.open) return;
    if (current?.mediaType === 'video') drawVideoBoxes();
    else drawBoxes(current?.tracks ?? []);
  });

  /**
   * Seeks once the browser knows the duration (before that, currentTime is ignored), then plays.
   * play() may be refused without a recent user gesture; the video then waits at the moment.
   */
  function playFrom(from) {
    const start = () => {
      video.currentTime = from;
      video.play().catch(() => undefined);
    };
    if (video.readyState >= 1) start();
    else video.addEventListener('loadedmetadata', start, { once: true });
  }

  /**
   * item: { title, mediaType, fileUrl, imageUrl, from, moments: [{from, to, score, label}],
   *         tracks: [{time, box: {X, Y, W, H}}] }
   */
  function open(item) {
    current = item;
    $('#player-title').textContent = item.title || t('untitled');
    boxes.replaceChildren();
    const isVideo = item.mediaType === 'video' || item.mediaType === 'audio';
    video.hidden = !isVideo;
    image.hidden = isVideo;
    dialog.dataset.mediaId = item.mediaId ?? '';
    dialog.dataset.from = String(item.from ?? 0);
    $('#player-info').textContent = item.fileUrl ? (item.info ?? '') : t('fileNotReady');
    $('#player-moments').replaceChildren(
      ...(isVideo ? (item.moments ?? []) : []).map((moment) =>
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            dataset: { from: moment.from, to: moment.to },
            onclick: () => playFrom(moment.from),
          },
          `${formatTime(moment.from)}–${formatTime(moment.to)}`,
          moment.score !== undefined ? h('span', { class: 'muted' }, ` · ${formatScore(moment.score)}`) : null,
          moment.label ? h('span', { class: 'muted' }, ` · ${moment.label}`) : null,
        ),
      ),
    );
    if (!dialog.open) dialog.showModal();
    if (isVideo) {
      if (!item.fileUrl) {
        video.removeAttribute('src');
        video.load();
        return;
      }
      if (video.getAttribute('src') !== item.fileUrl) {
        video.src = item.fileUrl;
      }
      playFrom(item.from ?? 0);
    } else {
      image.src = item.fileUrl || item.imageUrl || '';
      if (image.complete) drawBoxes(item.tracks ?? []);
    }
  }

  return { open, close: () => dialog.close() };
}
