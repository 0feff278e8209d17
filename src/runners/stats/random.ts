// Seeded randomness for the statistics, so a run's numbers can be reproduced from its seed.
// xoshiro128** (Blackman & Vigna) for its small state and good statistical quality in 32-bit
// integer arithmetic; its 128-bit state is filled by splitmix32 from the seed, as its authors
// recommend, so nearby seeds give unrelated streams.
import { RunnerInputError } from '../input-error.ts';

/** A seeded stream of random numbers. */
export interface Random {
  /** A uniform number in [0, 1) with 53 random bits. */
  next(): number;
  /** A uniform integer in [0, n), for 1 <= n <= 2^32, without modulo bias. */
  int(n: number): number;
  /** A standard normal number (Box-Muller). */
  normal(): number;
  /** Shuffles in place (Fisher-Yates), every order equally likely. */
  shuffle<T>(items: { length: number; [index: number]: T }): void;
}

const TWO_POW_32 = 2 ** 32;
const MAX_SEED = 2 ** 31 - 1;
/** Up to here u * n < 2^53 for 32-bit u, so products are exact doubles. */
const LEMIRE_MAX_N = 2 ** 21;

/** One step of splitmix32: returns the next state and a well-mixed output. */
function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return [next, (z ^ (z >>> 15)) >>> 0];
}

class Xoshiro128 implements Random {
  #s = new Uint32Array(4);
  #spareNormal: number | null = null;

  constructor(seed: number) {
    let state = seed | 0;
    for (let i = 0; i < 4; i++) {
      const [next, output] = splitmix32(state);
      state = next;
      this.#s[i] = output;
    }
  }

  /** The next 32 random bits, as an unsigned integer. */
  #nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  next(): number {
    // 27 + 26 bits, the usual construction of a double with a full 53-bit mantissa.
    const high = this.#nextUint32() >>> 5;
    const low = this.#nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  int(n: number): number {
    if (!(n >= 1 && n <= TWO_POW_32) || Math.floor(n) !== n) {
      throw new RangeError(`Random.int needs an integer 1 <= n <= 2^32, got ${n}`);
    }
    if (n <= LEMIRE_MAX_N) {
      // Lemire's multiply-shift: the top 32 bits of u * n, rejecting the 2^32 mod n low
      // values that would favour some results. Exact in doubles as u * n < 2^53; it avoids a
      // (slow, floating-point) modulo on almost every draw.
      for (;;) {
        const product = this.#nextUint32() * n;
        const high = Math.floor(product / TWO_POW_32);
        const low = product - high * TWO_POW_32;
        if (low >= n || low >= TWO_POW_32 % n) return high;
      }
    }
    // Reject the top partial block of 2^32 so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const u = this.#nextUint32();
      if (u < limit) return u % n;
    }
  }

  normal(): number {
    if (this.#spareNormal !== null) {
      const spare = this.#spareNormal;
      this.#spareNormal = null;
      return spare;
    }
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.#spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  shuffle<T>(items: { length: number; [index: number]: T }): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = items[i]!;
      items[i] = items[j]!;
      items[j] = held;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RunnerInputError(`seed must be an integer from 0 to ${MAX_SEED}, got ${seed}`);
  }
}

/** A stream determined by `seed` (an integer 0..2^31-1): the same seed gives the same numbers. */
export function createRandom(seed: number): Random {
  checkSeed(seed);
  return new Xoshiro128(seed);
}

/**
 * A stream for one consumer of a run's seed, e.g. `forkRandom(seed, 'bootstrap')`: different
 * labels give unrelated streams, so two consumers never share (or shift) each other's numbers.
 */
export function forkRandom(seed: number, label: string): Random {
  checkSeed(seed);
  // Hash the label into the seed; the constant keeps forks apart from createRandom(seed).
  let [state, hash] = splitmix32(seed ^ 0x6a09e667);
  for (const byte of new TextEncoder().encode(label)) {
    [state, hash] = splitmix32((state ^ hash ^ byte) | 0);
  }
  return new Xoshiro128(hash);
}
