/** Small vector helpers shared by the angle-line builders (LPS mm; ends rounded to 0.01 mm). */

const round2 = (x: number): number => Math.round(x * 100) / 100;
export const point2 = (c: readonly number[], d: readonly number[], t: number): [number, number, number] => [round2(c[0]! + t * d[0]!), round2(c[1]! + t * d[1]!), round2(c[2]! + t * d[2]!)];

export function unitVector(from: readonly number[], to: readonly number[]): [number, number, number] {
  const d = [to[0]! - from[0]!, to[1]! - from[1]!, to[2]! - from[2]!];
  const n = Math.hypot(d[0]!, d[1]!, d[2]!) || 1;
  return [d[0]! / n, d[1]! / n, d[2]! / n];
}
