// Special functions the tests' p-values rest on: log-gamma, the regularized incomplete gamma
// functions (chi-square tail) and the modified Bessel function K (Cramér-von Mises limit law).
// Accurate to about 1e-13 relative over the ranges the tests use; see
// test/runners/stats-special-functions.test.ts for the scipy values they are checked against.

// Godfrey's Lanczos coefficients for g = 7, n = 9: about 1e-15 relative error in Γ(x).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  // Reflection keeps the Lanczos sum away from its poles for small x.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPSILON = 1e-16;
const TINY = 1e-300;

/** e^-x x^a / Γ(a), the common factor of the series and the continued fraction. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** P(a, x) by its power series; converges quickly for x < a + 1. */
function lowerGammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  // The terms shrink like x/(a+n), so about sqrt(a) * 10 terms suffice even for large a.
  for (let n = 0; n < 100_000; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) return sum * gammaPrefactor(a, x);
  }
  throw new Error(`incomplete gamma series did not converge for a=${a}, x=${x}`);
}

/** Q(a, x) by its continued fraction (modified Lentz); converges quickly for x >= a + 1. */
function upperGammaFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h * gammaPrefactor(a, x);
  }
  throw new Error(`incomplete gamma continued fraction did not converge for a=${a}, x=${x}`);
}

function checkGammaArguments(a: number, x: number): void {
  if (!(a > 0) || !(x >= 0)) {
    throw new RangeError(`incomplete gamma needs a > 0 and x >= 0, got a=${a}, x=${x}`);
  }
}

/** The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArguments(a, x);
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  // Each form is computed where it converges, and the other by complement.
  return x < a + 1 ? lowerGammaSeries(a, x) : 1 - upperGammaFraction(a, x);
}

/** The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), accurate in the tail. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArguments(a, x);
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaFraction(a, x);
}

/**
 * The modified Bessel function of the second kind K_ν(z) for real ν and z > 0, from
 * K_ν(z) = ∫₀^∞ exp(-z cosh t) cosh(νt) dt by the trapezoidal rule. The integrand is analytic
 * in a strip and decays double-exponentially, so the rule converges geometrically in the step;
 * the step shrinks like 1/√z because for large z the integrand is a Gaussian of width 1/√z.
 */
export function besselK(nu: number, z: number): number {
  if (!(z > 0)) throw new RangeError(`besselK needs z > 0, got ${z}`);
  // exp(-z) underflows past here, as it does for scipy.special.kv.
  if (z > 745) return 0;
  const h = Math.min(0.1, 0.5 / Math.sqrt(z));
  let sum = 0.5 * Math.exp(-z);
  for (let k = 1; ; k++) {
    const t = k * h;
    const term = Math.exp(-z * Math.cosh(t)) * Math.cosh(nu * t);
    sum += term;
    // Stop once past the peak (z sinh t outgrows ν) and the terms no longer matter.
    if (term <= sum * 1e-18 && z * Math.sinh(t) > Math.abs(nu)) break;
  }
  return sum * h;
}
