// A small seeded pseudo-random generator for reproducible restarts, samples and benchmarks.
// xoshiro128** (Blackman & Vigna) on 32-bit integers, seeded through splitmix32 so that nearby seeds give
// unrelated streams. Not for cryptography.

function splitmix32(state: number): [next: number, value: number] {
  const nextState = (state + 0x9e3779b9) | 0;
  let z = nextState;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [nextState, z >>> 0];
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    // Fold any finite number (including fractions and values beyond 2^32) into a 32-bit start state.
    const folded = Number.isFinite(seed) ? (Math.floor(seed) ^ Math.floor(seed / 4294967296)) | 0 : 0;
    let state = folded;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [nextState, value] = splitmix32(state);
      state = nextState;
      words.push(value);
    }
    this.s0 = words[0] ?? 1;
    this.s1 = words[1] ?? 2;
    this.s2 = words[2] ?? 3;
    this.s3 = words[3] ?? 4;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Standard normal draw (Marsaglia's polar method; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const value = this.spareNormal;
      this.spareNormal = undefined;
      return value;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const r2 = u * u + v * v;
      if (r2 > 0 && r2 < 1) {
        const factor = Math.sqrt((-2 * Math.log(r2)) / r2);
        this.spareNormal = v * factor;
        return u * factor;
      }
    }
  }

  /** Uniform integer in [0, n) for n >= 1. */
  int(n: number): number {
    if (!(n >= 1)) return 0;
    return Math.min(n - 1, Math.floor(this.next() * Math.floor(n)));
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
