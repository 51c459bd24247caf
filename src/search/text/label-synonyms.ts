/**
 * The everyday words people type for COCO classes, by label id: a caption says "a woman", "two
 * boys" or "a puppy", never "person" or "dog". Used on the query side only (which labels a query
 * names, and which query terms a label row covers), so the stored labels stay the detector's.
 * Kept to words that almost always mean the class; ambiguous ones ("player", "ball" for frisbee)
 * are left out.
 */
export const LABEL_SYNONYMS: Readonly<Record<string, { readonly en: readonly string[]; readonly zh: readonly string[] }>> = {
  person: {
    en: ['people', 'man', 'men', 'woman', 'women', 'boy', 'girl', 'child', 'children', 'kid', 'baby', 'lady', 'guy', 'toddler', 'adult', 'teenager', 'crowd'],
    zh: ['男孩', '女孩', '孩子', '小孩', '儿童', '男子', '女子', '宝宝', '婴儿', '游客', '观众', '少年', '姑娘'],
  },
  bicycle: { en: ['bike', 'cyclist', 'biker'], zh: ['单车', '骑车'] },
  car: { en: ['automobile', 'vehicle'], zh: ['轿车', '车辆'] },
  motorcycle: { en: ['motorbike', 'motorcyclist'], zh: ['摩托'] },
  airplane: { en: ['plane', 'aircraft', 'jet'], zh: ['客机'] },
  boat: { en: ['ship', 'canoe', 'kayak', 'sailboat'], zh: ['小船', '帆船', '皮划艇'] },
  bird: { en: ['seagull', 'duck', 'pigeon'], zh: ['海鸥', '鸭子', '鸽子'] },
  dog: { en: ['puppy', 'pup', 'hound'], zh: ['小狗', '狗狗', '犬'] },
  cat: { en: ['kitten', 'kitty'], zh: ['小猫'] },
  horse: { en: ['pony', 'horseback'], zh: ['骑马'] },
  'sports ball': { en: ['football', 'soccer', 'basketball', 'volleyball'], zh: ['足球', '篮球', '排球'] },
  skis: { en: ['ski', 'skier', 'skiing'], zh: ['滑雪'] },
  surfboard: { en: ['surfer', 'surfing'], zh: ['冲浪'] },
  skateboard: { en: ['skateboarder', 'skateboarding', 'skater'], zh: ['滑板'] },
  'cell phone': { en: ['phone', 'smartphone', 'cellphone'], zh: ['电话'] },
  tv: { en: ['television'], zh: ['电视机'] },
  couch: { en: ['sofa'], zh: [] },
  'dining table': { en: ['table'], zh: ['桌子'] },
};
