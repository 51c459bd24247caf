import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRanges, formatScore, formatSeconds, formatTable, formatTimeRange, truncate } from '../../src/cli/format.js';
import type { MediaSummary } from '../../src/cli/media-lookup.js';
import { aiLabelRows, hybridRows, renderResultTable } from '../../src/cli/search-results.js';

describe('CLI time formatting', () => {
  it('writes seconds as m:ss.s, with hours once there are any', () => {
    assert.equal(formatSeconds(0), '0:00.0');
    assert.equal(formatSeconds(3), '0:03.0');
    assert.equal(formatSeconds(63.25), '1:03.3');
    assert.equal(formatSeconds(599.96), '10:00.0');
    assert.equal(formatSeconds(3723.5), '1:02:03.5');
    assert.equal(formatSeconds(-1), '0:00.0');
  });

  it('writes a range as from-to, an instant once, and a long list with a count of the rest', () => {
    assert.equal(formatTimeRange(3, 6.04), '0:03.0-0:06.0');
    assert.equal(formatTimeRange(4.2, 4.2), '0:04.2');
    const ranges = [0, 10, 20, 30, 40].map((from) => ({ from, to: from + 5 }));
    assert.equal(formatRanges(ranges), '0:00.0-0:05.0, 0:10.0-0:15.0, 0:20.0-0:25.0, +2 more');
    assert.equal(formatRanges([]), '');
  });

  it('formats scores and cuts long text with an ellipsis', () => {
    assert.equal(formatScore(0.87654), '0.877');
    assert.equal(formatScore(undefined), '-');
    assert.equal(truncate('a  long\ntitle', 20), 'a long title');
    assert.equal(truncate('abcdefghij', 5), 'abcd…');
  });
});

describe('CLI search result tables', () => {
  const media = new Map<string, MediaSummary>([
    ['vid', { mediaId: 'vid', mediaType: 'video', title: 'harbour at dusk.mp4', duration: 70, status: 'Normal', jobs: [] }],
    ['img', { mediaId: 'img', mediaType: 'image', title: 'cat.jpg', duration: 0, status: 'Normal', jobs: [] }],
  ]);

  it('shows the best clip score and the video time ranges, none for images', () => {
    const rows = hybridRows([
      { MediaId: 'vid', ClipInfo: [{ From: 63, To: 68.5, Score: 0.61 }, { From: 3, To: 6, Score: 0.72 }] },
      { MediaId: 'img', ClipInfo: [{ From: 0, To: 0, Score: 0.4 }] },
    ]);
    assert.equal(
      renderResultTable(rows, media, { firstRank: 11 }),
      [
        '#   MEDIA ID  TYPE   TITLE                SCORE  WHERE',
        '11  vid       video  harbour at dusk.mp4  0.720  1:03.0-1:08.5, 0:03.0-0:06.0',
        '12  img       image  cat.jpg              0.400',
        '',
      ].join('\n'),
    );
  });

  it('gives several rows of one asset one rank, and marks assets it could not look up', () => {
    const table = renderResultTable(
      [
        { mediaId: 'vid', score: 0.9, person: 'Ada', ranges: [{ from: 1, to: 2 }] },
        { mediaId: 'vid', score: 0.5, person: 'unknown', ranges: [{ from: 5, to: 6 }] },
        { mediaId: 'gone', ranges: [] },
      ],
      media,
      { firstRank: 1, person: true },
    );
    const lines = table.trimEnd().split('\n');
    assert.deepEqual(lines.map((line) => line.split(/ +/)[0]), ['#', '1', '1', '2']);
    assert.match(lines[0]!, /PERSON +SCORE +WHERE$/);
    assert.match(lines[3]!, /^2 +gone +\? +-$/);
  });

  it('turns AILabel results into one row per asset with its matched places in time order, once each', () => {
    const [row] = aiLabelRows([
      {
        MediaId: 'vid',
        AiData: {
          AiLabelInfo: [{ Occurrences: [{ From: 10, To: 15, Score: 0.8 }, { From: 0, To: 5, Score: 0.3 }] }],
          OcrInfo: [{ From: 10, To: 15 }],
          AsrInfo: [{ From: 2, To: 4 }],
        },
      },
    ]);
    assert.deepEqual(row, {
      mediaId: 'vid',
      score: 0.8,
      ranges: [
        { from: 0, to: 5 },
        { from: 2, to: 4 },
        { from: 10, to: 15 },
      ],
    });
    assert.deepEqual(aiLabelRows([{ MediaId: 'x' }]), [{ mediaId: 'x', ranges: [] }]);
  });

  it('aligns table columns without trailing spaces', () => {
    assert.equal(formatTable(['A', 'BB'], [['long', ''], ['x', 'y']]), 'A     BB\nlong\nx     y');
  });
});
