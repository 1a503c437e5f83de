import { describe, expect, it } from 'vitest';
import { middleOutOrder } from '../src/viewer/middleOutOrder.js';

describe('middleOutOrder', () => {
  it('starts at the middle slice and alternates outwards, covering every slice once', () => {
    expect(middleOutOrder(0)).toEqual([]);
    expect(middleOutOrder(1)).toEqual([0]);
    expect(middleOutOrder(5)).toEqual([2, 1, 3, 0, 4]);
    expect(middleOutOrder(6)).toEqual([3, 2, 4, 1, 5, 0]);
    const big = middleOutOrder(301);
    expect(big[0]).toBe(150);
    expect([...big].sort((a, b) => a - b)).toEqual(Array.from({ length: 301 }, (_, i) => i));
  });
});
