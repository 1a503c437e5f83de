/**
 * The order in which a volume's slices are requested: the middle slice first (the one the
 * axial view opens on), then outwards alternately below and above, so the slices around what
 * is on screen fill first and sagittal / coronal views grow from their centre.
 */
export function middleOutOrder(count: number): number[] {
  if (count <= 0) return [];
  const middle = Math.floor(count / 2);
  const order = [middle];
  for (let step = 1; order.length < count; step++) {
    if (middle - step >= 0) order.push(middle - step);
    if (middle + step < count) order.push(middle + step);
  }
  return order;
}
