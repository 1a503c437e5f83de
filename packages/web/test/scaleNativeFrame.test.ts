import { describe, expect, it } from 'vitest';
import { scaleNativeFrame } from '../src/cornerstone/scaleNativeFrame.js';
import { chooseVolumeDataType, maxFloatVolumeBytes } from '../src/cornerstone/streamingVolumeLoader.js';

/** Little-endian 16-bit cells of `values`, starting `offset` bytes into a larger buffer. */
function cells(values: readonly number[], offset = 0): Uint8Array {
  const bytes = new Uint8Array(offset + 2 * values.length);
  values.forEach((v, i) => {
    bytes[offset + 2 * i] = v & 0xff;
    bytes[offset + 2 * i + 1] = (v >> 8) & 0xff;
  });
  return bytes.subarray(offset);
}

const ct = { rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 16, signed: true };

describe('scaleNativeFrame', () => {
  it('applies Rescale Slope and Intercept (stored → HU) into the target type, with the output min and max', () => {
    const frame = scaleNativeFrame(cells([0, 1024, 3000, -2000 & 0xffff]), ct, { slope: 1, intercept: -1024 }, 'Float32Array');
    expect(frame?.pixels).toBeInstanceOf(Float32Array);
    expect(Array.from(frame?.pixels ?? [])).toEqual([-1024, 0, 1976, -3024]);
    expect([frame?.min, frame?.max]).toEqual([-3024, 1976]);
    const half = scaleNativeFrame(cells([10, 20, 30, 40]), { ...ct, signed: false }, { slope: 0.5, intercept: -1 }, 'Float32Array');
    expect(Array.from(half?.pixels ?? [])).toEqual([4, 9, 14, 19]);
  });

  it('gives the output extremes of every path: a negative slope swaps the stored ones', () => {
    const stored = [5, -7, 300, 0];
    const inverted = scaleNativeFrame(cells(stored.map((v) => v & 0xffff)), ct, { slope: -2, intercept: 10 }, 'Float32Array');
    expect(Array.from(inverted?.pixels ?? [])).toEqual([0, 24, -590, 10]);
    expect([inverted?.min, inverted?.max]).toEqual([-590, 24]);
    const unsigned = scaleNativeFrame(cells([65535, 2, 40000, 7]), { ...ct, signed: false }, { slope: 1, intercept: -32768 }, 'Float32Array');
    expect([unsigned?.min, unsigned?.max]).toEqual([-32766, 32767]);
    const bytes = scaleNativeFrame(new Uint8Array([9, 200, 3, 77]), { ...ct, bitsAllocated: 8, bitsStored: 8, signed: false }, undefined, 'Uint8Array');
    expect([bytes?.min, bytes?.max]).toEqual([3, 200]);
    // A CT slice's size: every value and both extremes as a plain loop gives them.
    const n = 512 * 512;
    const values = Array.from({ length: n }, (_, i) => ((i * 7919) % 4096) - 1024 - (i === 12345 ? 2000 : 0));
    const slice = scaleNativeFrame(cells(values.map((v) => v & 0xffff)), { ...ct, rows: 512, columns: 512 }, { slope: 1, intercept: -1024 }, 'Float32Array');
    expect(slice?.pixels[12345]).toBe(values[12345]! - 1024);
    expect(slice?.pixels[n - 1]).toBe(values[n - 1]! - 1024);
    const low = values.reduce((a, b) => Math.min(a, b));
    const high = values.reduce((a, b) => Math.max(a, b));
    expect([slice?.min, slice?.max]).toEqual([low - 1024, high - 1024]);
  });

  it('finds the extremes at even, odd and last positions of an odd-sized frame (the Int16 → Float32 loop takes two at a time)', () => {
    const odd = { ...ct, rows: 3, columns: 3 };
    for (const [low, high] of [[0, 1], [1, 8], [8, 0], [7, 4]] as const) {
      const values = [3, 5, -2, 9, 4, 0, 6, 1, 2].map((v, i) => (i === low ? -900 : i === high ? 2500 : v));
      const frame = scaleNativeFrame(cells(values.map((v) => v & 0xffff)), odd, { slope: 1, intercept: -1024 }, 'Float32Array');
      expect(Array.from(frame?.pixels ?? [])).toEqual(values.map((v) => v - 1024));
      expect([frame?.min, frame?.max]).toEqual([-900 - 1024, 2500 - 1024]);
    }
  });

  it('reads a frame starting at an odd byte offset', () => {
    const frame = scaleNativeFrame(cells([1, 2, 3, 4], 1), ct, undefined, 'Int16Array');
    expect(frame?.pixels).toBeInstanceOf(Int16Array);
    expect(Array.from(frame?.pixels ?? [])).toEqual([1, 2, 3, 4]);
  });

  it('sign-extends two’s complement values narrower than their cell (Bits Stored 12)', () => {
    const frame = scaleNativeFrame(cells([0x0fff, 0x0800, 0x07ff, 5]), { ...ct, bitsStored: 12 }, undefined, 'Int16Array');
    expect(Array.from(frame?.pixels ?? [])).toEqual([-1, -2048, 2047, 5]);
  });

  it('leaves to the loader what an integer target cannot hold exactly, and layouts it does not handle', () => {
    expect(scaleNativeFrame(cells([0, 1, 2, 3]), ct, { slope: 0.5, intercept: 0 }, 'Int16Array')).toBeUndefined();
    expect(scaleNativeFrame(cells([0, 1, 2, 40000]), { ...ct, signed: false }, { slope: 1, intercept: -1024 }, 'Int16Array')).toBeUndefined();
    expect(scaleNativeFrame(cells([0, 1, 2, 3]), { ...ct, signed: false, bitsStored: 12 }, undefined, 'Uint16Array')).toBeUndefined();
    expect(scaleNativeFrame(cells([0, 1, 2]), ct, undefined, 'Int16Array')).toBeUndefined();
  });
});

describe('chooseVolumeDataType', () => {
  const facts = { dataType: 'Int16Array', voxels: 512 * 512 * 300, norm16: false, floatLinear: true, preferSizeOverAccuracy: false };

  it('keeps a 16-bit volume as Float32 only where its texture is 32-bit float anyway', () => {
    expect(chooseVolumeDataType(facts)).toBe('Float32Array');
    expect(chooseVolumeDataType({ ...facts, dataType: 'Uint16Array' })).toBe('Float32Array');
    expect(chooseVolumeDataType({ ...facts, norm16: true })).toBe('Int16Array');
    expect(chooseVolumeDataType({ ...facts, preferSizeOverAccuracy: true })).toBe('Int16Array');
    expect(chooseVolumeDataType({ ...facts, floatLinear: false })).toBe('Int16Array');
    expect(chooseVolumeDataType({ ...facts, dataType: 'Uint8Array' })).toBe('Uint8Array');
  });

  it('keeps the 16-bit type for a volume too large to hold as floats', () => {
    expect(chooseVolumeDataType({ ...facts, voxels: maxFloatVolumeBytes / 4 + 1 })).toBe('Int16Array');
  });
});
