import { describe, expect, it } from 'vitest';
import { chooseVoiWindow, fitRect, renderSliceToRgba } from '../src/viewer/renderSliceToRgba.js';

describe('renderSliceToRgba', () => {
  it('maps values through a linear window: below black, above white, the centre mid-grey', () => {
    const rgba = new Uint8ClampedArray(4 * 4);
    renderSliceToRgba(Int16Array.from([-1000, 40, 440, 2000]), { center: 40, width: 400 }, rgba);
    expect([rgba[0], rgba[4], rgba[8], rgba[12]]).toEqual([0, 128, 255, 255]);
    expect([rgba[5], rgba[6], rgba[7]]).toEqual([128, 128, 255]);
  });

  it('takes the header window, else the value range', () => {
    expect(chooseVoiWindow({ headerCenter: 40, headerWidth: 400, min: -1024, max: 3000 })).toEqual({ center: 40, width: 400 });
    expect(chooseVoiWindow({ headerCenter: 40, headerWidth: 0, min: -1000, max: 1000 })).toEqual({ center: 0, width: 2000 });
    expect(chooseVoiWindow({ min: 5, max: 5 })).toEqual({ center: 5, width: 1 });
  });

  it('fits an image into a canvas keeping its physical aspect, centred', () => {
    expect(fitRect({ canvasWidth: 800, canvasHeight: 400, imageWidthMm: 300, imageHeightMm: 300 })).toEqual({ x: 200, y: 0, width: 400, height: 400 });
    expect(fitRect({ canvasWidth: 400, canvasHeight: 800, imageWidthMm: 400, imageHeightMm: 200 })).toEqual({ x: 0, y: 300, width: 400, height: 200 });
  });
});
