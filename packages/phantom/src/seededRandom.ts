/**
 * Deterministic randomness for the phantom: every random choice derives from the case seed,
 * never from Math.random or the clock, so the same seed gives byte-identical output.
 * Hash: cyrb128 (public domain); generator: sfc32 (Chris Doty-Humphrey's Small Fast Counter, PractRand).
 */

/** 128-bit hash of a string as four unsigned 32-bit words (cyrb128). */
export function hashString128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    h1 = h2 ^ Math.imul(h1 ^ code, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ code, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ code, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ code, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Standard normal deviate (Box–Muller). */
  normal(): number;
}

/** sfc32 generator seeded from any string or number through cyrb128. */
export function createSeededRandom(seed: string | number): SeededRandom {
  let [a, b, c, d] = hashString128(String(seed));
  const nextUint32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let warmUp = 0; warmUp < 12; warmUp += 1) nextUint32();
  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    range: (min, max) => min + (max - min) * next(),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/**
 * A UID under the 2.25 root (PS3.5 B.2: a UUID-derived decimal integer) computed from the
 * given parts, so Study/Series/Instance/Frame of Reference UIDs are stable for a seed.
 */
export function deterministicUid(...parts: readonly (string | number)[]): string {
  const words = hashString128(parts.join('|'));
  let value = 0n;
  for (const word of words) value = (value << 32n) | BigInt(word);
  if (value === 0n) value = 1n;
  return `2.25.${value.toString(10)}`;
}
