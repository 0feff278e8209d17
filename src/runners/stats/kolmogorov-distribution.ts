// The two-sided one-sample Kolmogorov-Smirnov distribution, P(D_n >= x): scipy.stats.kstwo.sf,
// which ks_2samp uses (with n = round(n1 n2 / (n1 + n2))) when the exact two-sample count is
// too costly. Like scipy, it follows Simard & L'Ecuyer (2011), "Computing the Two-Sided
// Kolmogorov-Smirnov Distribution", J. Stat. Softw. 39(11), which picks for each (n, x) the
// method that is accurate there: Ruben-Gambino closed forms at the ends, the Durbin matrix
// (Marsaglia-Tsang-Wang), the Pomeranz recursion, the Pelz-Good series, or twice the one-sided
// tail. Thresholds are those of scipy's _kolmogn.
import { smirnovSf } from './smirnov-distribution.ts';

const SCALE = 2 ** 128;
const INVERSE_SCALE = 2 ** -128;

/** x 2^exponent without overflowing or underflowing the factor on the way. */
function ldexp(x: number, exponent: number): number {
  let result = x;
  let e = exponent;
  for (; e > 1000; e -= 1000) result *= 2 ** 1000;
  for (; e < -1000; e += 1000) result *= 2 ** -1000;
  return result * 2 ** e;
}

/** (A B) for m x m row-major matrices. */
function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const product = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) product[i * m + j]! += aik * b[k * m + j]!;
    }
  }
  return product;
}

/** Divides `matrix` by 2^128 when its largest entry exceeds 2^128; returns the exponent taken. */
function rescale(matrix: Float64Array): number {
  let largest = 0;
  for (const value of matrix) largest = Math.max(largest, Math.abs(value));
  if (largest <= SCALE) return 0;
  for (let i = 0; i < matrix.length; i++) matrix[i]! *= INVERSE_SCALE;
  return 128;
}

/**
 * P(D_n <= d) by Durbin's matrix formula as Marsaglia, Tsang & Wang (2003) compute it: with
 * d = (k - h)/n, the (k, k) entry of H^n times n!/n^n, H of size 2k-1. Powers are rescaled by
 * 2^128 as needed (scipy does this in long double; both give the same double result).
 */
function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  // v[j] = (1 - h^(j+1)) / (j+1)!, w[j] = 1 / j!.
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorial = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1] = (1 - h ** j) * factorial;
  }
  v[m - 1] = (1 + Math.max(2 * h - 1, 0) ** m - 2 * h ** m) * factorial;
  let power: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let row = i - 1; row < m; row++) power[row * m + i] = w[row - i + 1]!;
  }
  for (let row = 0; row < m; row++) power[row * m] = v[row]!;
  for (let column = 0; column < m; column++) power[(m - 1) * m + column] = v[m - 1 - column]!;

  let result: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) result[i * m + i] = 1;
  let exponent = 0;
  let powerExponent = 0;
  for (let remaining = n; remaining > 0; remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) {
      result = multiply(result, power, m);
      exponent += powerExponent + rescale(result);
    }
    power = multiply(power, power, m);
    powerExponent = 2 * powerExponent + rescale(power);
  }
  let p = result[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < INVERSE_SCALE) {
      p *= SCALE;
      exponent -= 128;
    }
  }
  return ldexp(p, exponent);
}

/** Row bounds [j1, j2] of the Pomeranz recursion at step i. */
function pomeranzBounds(
  i: number,
  n: number,
  whole: number,
  ceilF: number,
  roundF: number,
): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -whole - ceilF - 1;
    j2 = whole + ceilF - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - whole - ceilF - 1;
        j2 = n + whole + ceilF - 1;
      } else {
        j1 = half - 1 - whole - roundF - 1;
        j2 = half + whole - 1 + ceilF - 1;
      }
    } else {
      j1 = half - 1 - whole - 1;
      j2 = half + whole + roundF - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/**
 * P(D_n <= x) by Pomeranz's (1974) recursion: each row is the previous one convolved with
 * (scaled) Poisson probabilities, and the answer is n! times the last entry. Only the few
 * non-zero entries of a row are kept; rows are rescaled by 2^128 against underflow.
 */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const whole = Math.floor(t);
  const f = t - whole;
  const g = Math.min(f, 1 - f);
  const ceilF = f > 0 ? 1 : 0;
  const roundF = f > 0.5 ? 1 : 0;
  const powers = 2 * (whole + 1);
  // (g/n)^j / j!, (2g/n)^j / j!, ((1-2g)/n)^j / j!: Poisson probabilities without e^-λ.
  const gPowers = new Float64Array(powers);
  const twoGPowers = new Float64Array(powers);
  const restPowers = new Float64Array(powers);
  gPowers[0] = twoGPowers[0] = restPowers[0] = 1;
  for (let j = 1; j < powers; j++) {
    gPowers[j] = (gPowers[j - 1]! * (g / n)) / j;
    twoGPowers[j] = (twoGPowers[j - 1]! * ((2 * g) / n)) / j;
    restPowers[j] = (restPowers[j - 1]! * ((1 - 2 * g) / n)) / j;
  }
  let previousRow = new Float64Array(powers);
  let row = new Float64Array(powers);
  row[0] = 1;
  let previousStart = 0;
  let rowStart = 0;
  let exponent = 0;
  let [j1, j2] = pomeranzBounds(0, n, whole, ceilF, roundF);
  for (let i = 1; i <= 2 * n + 1; i++) {
    const k1 = j1;
    [previousRow, row] = [row, previousRow];
    [previousStart, rowStart] = [rowStart, previousStart];
    row.fill(0);
    [j1, j2] = pomeranzBounds(i, n, whole, ceilF, roundF);
    const weights = i === 1 || i === 2 * n + 1 ? gPowers : i % 2 === 1 ? twoGPowers : restPowers;
    const length = j2 - k1 + 1;
    if (length <= 0) continue;
    const from = k1 - previousStart;
    const sourceLength = Math.min(length, powers - from);
    const weightLength = Math.min(length, powers);
    const skip = j1 - k1;
    let largest = 0;
    for (let out = 0; out < j2 - j1 + 1; out++) {
      const position = skip + out;
      let sum = 0;
      const low = Math.max(0, position - weightLength + 1);
      const high = Math.min(sourceLength - 1, position);
      for (let s = low; s <= high; s++) sum += previousRow[from + s]! * weights[position - s]!;
      row[out] = sum;
      largest = Math.max(largest, sum);
    }
    if (largest > 0 && largest < INVERSE_SCALE) {
      for (let j = 0; j < powers; j++) row[j]! *= SCALE;
      exponent -= 128;
    }
    rowStart = previousStart + j1 - k1;
  }
  let answer = row[n - rowStart]!;
  for (let j = 1; j <= n; j++) {
    if (Math.abs(answer) > SCALE) {
      answer *= INVERSE_SCALE;
      exponent += 128;
    }
    answer *= j;
  }
  return ldexp(answer, exponent);
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT_TWO_PI = Math.sqrt(2 * Math.PI);

/**
 * P(D_n <= x) by the Pelz-Good (1976) expansion K0 + K1/√n + K2/n + K3/n^1.5 in z = x√n, each
 * term summed as a Jacobi-theta series that converges fast for small z.
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qLog = -PI2 / 8 / z2;
  if (qLog < -708) return 0;
  let q = Math.exp(qLog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  // Horner over odd m = 2k - 1 of c_m q^(m²), from the largest k needed down.
  const sums = [0, 0, 0, 0];
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k >= 1; k--) {
    const m2 = (2 * k - 1) ** 2;
    const qPower = q ** (8 * k);
    const coefficients = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m2 * m2,
      k3a + k3b * m2 + k3c * m2 * m2 + k3d * m2 * m2 * m2,
    ];
    for (let i = 0; i < 4; i++) sums[i] = sums[i]! * qPower + coefficients[i]!;
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  const terms = sums.map((sum, i) => (sum * q * SQRT_TWO_PI) / divisors[i]!);
  // The K2 and K3 terms also have a series over all integers k in q' = e^(-π²/(2z²)).
  q = Math.exp(-PI2 / 2 / z2);
  let k2Extra = 0;
  let k3Extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxK; k >= 1; k--) {
    const k2 = k * k;
    const qPower = q ** k2;
    k2Extra += k2 * qPower;
    const kPi = Math.PI * k;
    k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower;
  }
  terms[2]! += (k2Extra * PI2 * SQRT_TWO_PI) / (-36 * z ** 3);
  terms[3]! += (k3Extra * PI2 * SQRT_TWO_PI) / (216 * z6);
  let cdf = 0;
  for (let i = 0; i < 4; i++) cdf += terms[i]! / n ** (i / 2);
  return cdf;
}

/**
 * log(n! / n^n) by Stirling's series with the n log n taken out (no cancellation). The series
 * coefficients are B_2j / (2j (2j - 1)) for the Bernoulli numbers B_2j, j = 8 down to 1.
 */
function logFactorialOverPower(n: number): number {
  const coefficients = [
    -3617 / 122400,
    1 / 156,
    -691 / 360360,
    1 / 1188,
    -1 / 1680,
    1 / 1260,
    -1 / 360,
    1 / 12,
  ];
  const r = 1 / n;
  let series = 0;
  for (const c of coefficients) series = series * (r / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + r * series;
}

function clip(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** P(D_n >= x) for the two-sided one-sample KS statistic D_n: scipy.stats.kstwo.sf(x, n). */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n < 1) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    // Ruben-Gambino: for 1/(2n) <= x <= 1/n, P(D_n <= x) = n!/n^n (2t - 1)^n.
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip(1 - cdf);
  }
  // Ruben-Gambino at the other end: P(D_n >= x) = 2 (1 - x)^n for x >= 1 - 1/n.
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  // Above 1/2 the two one-sided events cannot both happen.
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip(1 - durbinCdf(n, x));
    if (nx2 <= 4) return clip(1 - pomeranzCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x);
  return clip(1 - cdf);
}
