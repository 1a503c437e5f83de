/**
 * RLE Lossless encoding of one 16-bit frame (PS3.5 Annex G): the frame is split into two
 * byte segments (most significant bytes first, G.2), each row of each segment is PackBits
 * encoded without crossing a row boundary (G.3.1), and a 64-byte header lists the segment
 * offsets (G.5). Segments are padded to an even length.
 */
function packBitsRow(source: Uint8Array, start: number, length: number, out: number[]): void {
  let index = 0;
  while (index < length) {
    let run = 1;
    while (index + run < length && run < 128 && source[start + index + run] === source[start + index]) run += 1;
    if (run >= 2) {
      out.push(257 - run, source[start + index]!);
      index += run;
      continue;
    }
    let literal = 1;
    while (index + literal < length && literal < 128) {
      const next = start + index + literal;
      if (next + 1 < start + length && source[next] === source[next + 1]) break;
      literal += 1;
    }
    out.push(literal - 1);
    for (let k = 0; k < literal; k += 1) out.push(source[start + index + k]!);
    index += literal;
  }
}

export function encodeRleFrame(pixels: Int16Array | Uint16Array, columns: number, rows: number): Uint8Array {
  const count = columns * rows;
  const high = new Uint8Array(count);
  const low = new Uint8Array(count);
  for (let index = 0; index < count; index += 1) {
    const value = pixels[index]! & 0xffff;
    high[index] = value >> 8;
    low[index] = value & 0xff;
  }
  const segments: number[][] = [];
  for (const plane of [high, low]) {
    const out: number[] = [];
    for (let row = 0; row < rows; row += 1) packBitsRow(plane, row * columns, columns, out);
    if (out.length % 2 === 1) out.push(0x80); // -128: a no-op header byte (G.3.1)
    segments.push(out);
  }
  const total = 64 + segments.reduce((sum, segment) => sum + segment.length, 0);
  const result = new Uint8Array(total);
  const view = new DataView(result.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((segment, index) => {
    view.setUint32(4 + index * 4, offset, true);
    result.set(segment, offset);
    offset += segment.length;
  });
  return result;
}
