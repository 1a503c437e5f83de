import { describe, expect, it, vi } from 'vitest';
import { Enums } from '@cornerstonejs/core';
import { streamingTextureUpload } from '../src/cornerstone/streamingTextureUpload.js';
import { preallocateVolumeTexture } from '../src/cornerstone/preallocateVolumeTexture.js';
import type { RenderingEngine, Types } from '@cornerstonejs/core';

const full = Enums.ImageQualityStatus.FULL_RESOLUTION;

/** A stand-in for vtkStreamingOpenGLTexture: uploads every flagged frame, as update3DFromRaw does. */
function fakeTexture(frames: number) {
  const flags: Array<boolean | null> = Array.from({ length: frames }, () => null);
  const uploaded: number[] = [];
  let handle: object | null = null;
  const texture = {
    getHandle: () => handle,
    getUpdatedFrames: () => flags,
    update3DFromRaw: vi.fn(() => {
      flags.forEach((f, i) => {
        if (!f) return;
        uploaded.push(i);
        flags[i] = null;
      });
    }),
    create: () => (handle = {}),
  };
  return { texture, flags, uploaded };
}

describe('streamingTextureUpload', () => {
  it('uploads the complete slices flagged since the last upload, once each, and keeps the flags of the others', () => {
    const { texture, flags, uploaded } = fakeTexture(5);
    const cachedFrames: Array<number | undefined> = [];
    const upload = streamingTextureUpload({ vtkOpenGLTexture: texture, cachedFrames });
    flags[0] = true;
    cachedFrames[0] = full;
    expect(upload()).toBe(true);
    expect(uploaded).toEqual([]); // no texture yet: nothing to upload to
    texture.create();
    flags[2] = true; // in the cache, IMAGE_VOLUME_MODIFIED not yet sent: it is flagged again then
    expect(upload()).toBe(true);
    expect(uploaded).toEqual([0]);
    expect(flags[2]).toBe(true);
    cachedFrames[2] = full;
    expect(upload()).toBe(true);
    expect(uploaded).toEqual([0, 2]);
    expect(upload()).toBe(true);
    expect(texture.update3DFromRaw).toHaveBeenCalledTimes(2); // nothing complete to upload: not called
  });

  it('gives up (false) on another kind of volume or when an upload throws', () => {
    expect(streamingTextureUpload({})()).toBe(false);
    const { texture, flags } = fakeTexture(2);
    texture.create();
    texture.update3DFromRaw.mockImplementation(() => {
      throw new Error('context lost');
    });
    flags[1] = true;
    expect(streamingTextureUpload({ vtkOpenGLTexture: texture, cachedFrames: [undefined, full] })()).toBe(false);
  });
});

describe('preallocateVolumeTexture', () => {
  function setup(dataType: string, contextOf: Record<string, number> = { a: 0, b: 0, c: 0 }) {
    const renderWindow = { getContext: () => ({}) };
    const calls: string[] = [];
    const texture = {
      handle: null as object | null,
      getHandle() {
        return this.handle;
      },
      setOpenGLRenderWindow: (rw: unknown) => calls.push(rw === renderWindow ? 'window' : 'other window'),
      enableUseHalfFloat: (use: boolean) => calls.push(`halfFloat ${use}`),
      setOglNorm16Ext: (ext: unknown) => calls.push(`norm16 ${String(ext)}`),
      resetFormatAndType: () => calls.push('reset'),
      setTextureParameters: (p: object) => calls.push(`parameters ${JSON.stringify(p)}`),
      create3DFromRaw(p: object) {
        calls.push(`create ${JSON.stringify(p)}`);
        this.handle = {};
        return true;
      },
    };
    const volume = {
      dataType,
      dimensions: [4, 3, 2],
      vtkOpenGLTexture: texture,
      imageData: { getDimensions: () => [4, 3, 2], get: (key: string) => (key === 'dataType' ? { dataType } : { numberOfComponents: 1 }) },
    } as unknown as Types.IImageVolume;
    const engine = {
      _implementation: {
        contextPool: { getContextIndexForViewport: (id: string) => contextOf[id], getContextByIndex: () => ({ context: { getOpenGLRenderWindow: () => renderWindow } }) },
      },
    } as unknown as RenderingEngine;
    return { volume, engine, calls, texture };
  }

  it('creates a Float32 volume’s texture on its viewports’ context as the volume mapper would', () => {
    const { volume, engine, calls, texture } = setup('Float32Array');
    expect(preallocateVolumeTexture(engine, ['a', 'b', 'c'], volume)).toBe(true);
    expect(calls).toEqual([
      'window',
      'halfFloat false',
      'norm16 null',
      'reset',
      'parameters {"width":4,"height":3,"depth":2,"numberOfComponents":1,"dataType":"Float32Array"}',
      'create {"width":4,"height":3,"depth":2,"numComps":1,"dataType":"Float32Array","data":null}',
    ]);
    expect(texture.getHandle()).not.toBeNull();
    expect(preallocateVolumeTexture(engine, ['a', 'b', 'c'], volume)).toBe(false); // made already
  });

  it('leaves other data types, and viewports spread over several contexts, to the first draw', () => {
    const int16 = setup('Int16Array');
    expect(preallocateVolumeTexture(int16.engine, ['a'], int16.volume)).toBe(false);
    expect(int16.calls).toEqual([]);
    const spread = setup('Float32Array', { a: 0, b: 1 });
    expect(preallocateVolumeTexture(spread.engine, ['a', 'b'], spread.volume)).toBe(false);
    expect(spread.calls).toEqual([]);
  });
});
