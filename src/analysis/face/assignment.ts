/**
 * Minimum-cost assignment of rows to columns (Hungarian method, Jonker–Volgenant style with
 * potentials, O(n²·m)). `cost[r][c]` may be Infinity for a forbidden pair; such pairs are never
 * returned. Returns, for each row, the column assigned to it or -1.
 */
export function assignMinCost(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  if (rows === 0 || cols === 0) return new Array<number>(rows).fill(-1);
  // The algorithm needs rows ≤ columns and finite costs: transpose when needed, and replace
  // forbidden pairs by a cost larger than any full assignment of allowed ones, dropped afterwards.
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  let finiteMax = 0;
  for (const row of cost) for (const c of row) if (Number.isFinite(c)) finiteMax = Math.max(finiteMax, Math.abs(c));
  const forbidden = (finiteMax + 1) * (n + 1);
  const at = (i: number, j: number) => {
    const c = transpose ? cost[j]![i]! : cost[i]![j]!;
    return Number.isFinite(c) ? c : forbidden;
  };

  // 1-based arrays as in the classic formulation; column 0 is a virtual start.
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(m + 1).fill(0);
  const owner = new Array<number>(m + 1).fill(0);
  const way = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    owner[0] = i;
    let j0 = 0;
    const minv = new Array<number>(m + 1).fill(Infinity);
    const used = new Array<boolean>(m + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = owner[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = at(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (reduced < minv[j]!) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[owner[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (owner[j0] !== 0);
    do {
      const j1 = way[j0]!;
      owner[j0] = owner[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }

  const result = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= m; j++) {
    const i = owner[j]!;
    if (i === 0) continue;
    const [r, c] = transpose ? [j - 1, i - 1] : [i - 1, j - 1];
    if (Number.isFinite(cost[r]![c]!)) result[r] = c;
  }
  return result;
}
