/**
 * Captions that describe any picture and nothing in particular: the model channel's baseline
 * (src/search/hybrid/relevance.ts). A query in Chinese is compared with Chinese captions, any
 * other with English ones, so the baseline is in the query's language. The best of them counts,
 * so a picture that "a photo" describes well needs a query that describes it better.
 */
export const GENERIC_CAPTIONS = {
  en: ['a photo.', 'a picture.', 'an image.', 'a video frame.'],
  zh: ['一张照片。', '一张图片。', '一幅图像。', '一个视频画面。'],
} as const;

export type CaptionLanguage = keyof typeof GENERIC_CAPTIONS;

const CJK = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]/u;

/** 'zh' when the query is written in CJK characters (any of them), else 'en'. */
export function queryLanguage(query: string): CaptionLanguage {
  return CJK.test(query) ? 'zh' : 'en';
}
