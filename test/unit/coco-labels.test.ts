import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COCO_LABELS, cocoLabel } from '../../src/analysis/labels/coco-labels.js';

describe('COCO label table', () => {
  it('has the 80 classes, each name unique in both languages', () => {
    assert.equal(COCO_LABELS.length, 80);
    assert.equal(new Set(COCO_LABELS.map((l) => l.en)).size, 80);
    assert.equal(new Set(COCO_LABELS.map((l) => l.zh)).size, 80);
    for (const { en, zh } of COCO_LABELS) {
      assert.match(en, /^[a-z]+( [a-z]+)?$/, `English name "${en}"`);
      assert.match(zh, /^\p{Script=Han}+$/u, `Chinese name for ${en}: "${zh}"`);
    }
  });

  it('numbers classes as the detector does (0 = person) and gives everyday Chinese words', () => {
    assert.deepEqual(cocoLabel(0), { en: 'person', zh: '人' });
    assert.deepEqual(cocoLabel(16), { en: 'dog', zh: '狗' });
    assert.deepEqual(cocoLabel(15), { en: 'cat', zh: '猫' });
    assert.deepEqual(cocoLabel(67), { en: 'cell phone', zh: '手机' });
    assert.deepEqual(cocoLabel(79), { en: 'toothbrush', zh: '牙刷' });
  });

  it('has no class outside 0..79', () => {
    assert.equal(cocoLabel(80), undefined);
    assert.equal(cocoLabel(-1), undefined);
    assert.equal(cocoLabel(1.5), undefined);
    assert.equal(cocoLabel(Number.NaN), undefined);
  });
});
