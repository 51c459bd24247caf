/**
 * id → row of the exact index. Store ids are autoincrement keyframe ids, so they are dense small
 * integers: a flat Int32Array indexed by id answers in one cache-friendly load, where a Map of a
 * million entries costs a hash and usually a cache miss (filtered scans look up every allowed id,
 * so this is on their critical path). Ids that would make the table sparse (more than 16 slots per
 * held id) or that are not small non-negative integers switch it to a Map for good.
 */
export class RowLookup {
  private table: Int32Array | null = new Int32Array(1024).fill(-1);
  private map: Map<number, number> | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): number | undefined {
    if (this.table) {
      const row = id >= 0 && id < this.table.length ? this.table[id]! : -1;
      return row < 0 ? undefined : row;
    }
    return this.map!.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, row: number): void {
    if (this.table) {
      if (Number.isInteger(id) && id >= 0 && id < this.table.length) {
        if (this.table[id]! < 0) this.count++;
        this.table[id] = row;
        return;
      }
      if (Number.isInteger(id) && id >= 0 && id <= 2 ** 31 - 2 && id < Math.max(65_536, 16 * (this.count + 1))) {
        this.growTo(id + 1);
        this.count++;
        this.table[id] = row;
        return;
      }
      this.switchToMap();
    }
    const map = this.map!;
    if (!map.has(id)) this.count++;
    map.set(id, row);
  }

  delete(id: number): void {
    if (this.table) {
      if (id >= 0 && id < this.table.length && this.table[id]! >= 0) {
        this.table[id] = -1;
        this.count--;
      }
      return;
    }
    if (this.map!.delete(id)) this.count--;
  }

  clear(): void {
    this.table = new Int32Array(1024).fill(-1);
    this.map = null;
    this.count = 0;
  }

  private growTo(length: number): void {
    const table = new Int32Array(Math.max(length, Math.ceil(this.table!.length * 1.5))).fill(-1);
    table.set(this.table!);
    this.table = table;
  }

  private switchToMap(): void {
    const map = new Map<number, number>();
    const table = this.table!;
    for (let id = 0; id < table.length; id++) if (table[id]! >= 0) map.set(id, table[id]!);
    this.map = map;
    this.table = null;
  }
}
