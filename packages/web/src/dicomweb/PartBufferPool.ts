/**
 * Buffers for the parts of a Retrieve Series response, used again once their pixels were turned into an image. A
 * 300-slice 512² CT is 300 parts of ~525 KB; each became garbage right after its slice was converted to the volume's
 * Float32 (the image keeps only that), 158 MB per load of zero-filled allocations that V8 counts as external memory
 * (a reason for its major GCs). The volume's images are made as the parts come (Cornerstone asks for all slices at
 * once), so a handful of buffers serves the whole series. A buffer is given back (`give`) by whoever last read it
 * (initCornerstone's loader, after createNativeImage); one never given back is simply collected.
 */
export class PartBufferPool {
  private readonly free: Uint8Array[] = [];

  constructor(private readonly maxFree = 8) {}

  /** A buffer of exactly `length` bytes (its contents are whatever it held before: the reader overwrites all of it). */
  take(length: number): Uint8Array {
    const index = this.free.findIndex((buffer) => buffer.length === length);
    if (index < 0) return new Uint8Array(length);
    const [buffer] = this.free.splice(index, 1);
    return buffer as Uint8Array;
  }

  /** Makes a buffer from `take` available again; nothing may read or keep it afterwards. Views of part of a buffer and detached buffers are ignored. */
  give(buffer: Uint8Array): void {
    if (buffer.byteOffset !== 0 || buffer.length === 0 || buffer.buffer.byteLength !== buffer.length || this.free.length >= this.maxFree || this.free.includes(buffer)) return;
    this.free.push(buffer);
  }

  /** Buffers waiting to be taken again (tests). */
  get size(): number {
    return this.free.length;
  }
}
