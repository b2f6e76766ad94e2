// Acquisition functions. They read only posterior summaries (mean, std, correlations), never the model, so
// they are tested against hand-made posteriors. The core minimises: improvement means going below `best`.

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/**
 * erfc(x) for x >= 0. |x| < 3: Maclaurin series of erf (terms alternate; at x = 3 the largest term is ~1e3, so
 * about 1e-13 absolute, and erfc >= 2e-5 there, i.e. ~1e-9 relative or better). x >= 3: Lentz's continued
 * fraction erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), which converges in a
 * few dozen terms there to full double precision.
 */
function erfcNonNegative(x: number): number {
  if (x < 3) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  return (Math.exp(-x * x) / Math.sqrt(Math.PI)) / continuedFraction(x);
}

/** x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), evaluated backwards from a fixed depth (x >= 3). */
function continuedFraction(x: number): number {
  let tail = x;
  for (let k = 60; k >= 1; k--) tail = x + k / 2 / tail;
  return tail;
}

export function erfc(x: number): number {
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

/** log Phi(z), accurate in the far lower tail via the Mills ratio. */
export function logNormalCdf(z: number): number {
  if (z > -5) return Math.log(normalCdf(z));
  // Phi(z) = phi(z) / D(|z|), D(x) = x + 1/(x + 2/(x + 3/(x + ...))) (Laplace's continued fraction).
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(millsDenominator(-z, 1));
}

const TABLE_LOW = -40;
const TABLE_HIGH = 10;
const TABLE_PER_UNIT = 64;
let logCdfTable: { values: Float64Array; slopes: Float64Array } | undefined;

/**
 * log Phi(z) by cubic Hermite interpolation of a table (step h = 1/64 on [-40, 10], values and exact slopes
 * phi/Phi): error below h^4 max|4th derivative| / 384, about 1e-10, and several times faster than the series. For
 * the MES quadrature, which evaluates it some 10^6 times per suggestion. Outside the table, the tails' asymptotics.
 */
export function logNormalCdfFast(z: number): number {
  if (z >= TABLE_HIGH) return -Math.exp(-0.5 * z * z - LOG_SQRT_2PI) / z; // log(1 - q) = -q for q < 1e-23
  if (z <= TABLE_LOW) {
    // Asymptotic series of Mills' ratio: Phi(z) = phi(z)/|z| (1 - 1/z^2 + 3/z^4 - 15/z^6 + ...), next term < 2e-11.
    const q = 1 / (z * z);
    return -0.5 * z * z - LOG_SQRT_2PI - Math.log(-z) + Math.log(1 - q + 3 * q * q - 15 * q * q * q);
  }
  if (Number.isNaN(z)) return Number.NaN;
  if (!logCdfTable) {
    const count = (TABLE_HIGH - TABLE_LOW) * TABLE_PER_UNIT + 1;
    const values = new Float64Array(count);
    const slopes = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      const x = TABLE_LOW + k / TABLE_PER_UNIT;
      values[k] = logNormalCdf(x);
      slopes[k] = Math.exp(-0.5 * x * x - LOG_SQRT_2PI - values[k]!);
    }
    logCdfTable = { values, slopes };
  }
  const t = (z - TABLE_LOW) * TABLE_PER_UNIT;
  const k = Math.floor(t);
  const f = t - k;
  const g = 1 - f;
  const h = 1 / TABLE_PER_UNIT;
  const { values, slopes } = logCdfTable;
  return (1 + 2 * f) * g * g * values[k]! + f * g * g * h * slopes[k]! + f * f * (3 - 2 * f) * values[k + 1]! - f * f * g * h * slopes[k + 1]!;
}

/** x + s/(x + (s+1)/(x + (s+2)/(x + ...))): s = 1 gives 1/R(x) where R is Mills' ratio. Accurate for x >= 3. */
function millsDenominator(x: number, start: number): number {
  let tail = x;
  for (let k = start + 80; k >= start; k--) tail = x + k / tail;
  return tail;
}

/**
 * log h(z) with h(z) = phi(z) + z Phi(z), so that EI = sigma h(z) (Jones et al. 1998).
 * z > -3: direct (h >= 4e-4 there, no cancellation worth the name).
 * z <= -3: h(z) = phi(z) (1 - x R(x)) with x = -z and Mills' ratio R = 1/D; with D = x + 1/E and
 * E = x + 2/(x + 3/(...)), 1 - x/D = 1/(D E), so log h = log phi(z) - log D - log E: no subtraction at all,
 * finite and accurate for z down to -1e150 (BoTorch's log_ei handles the same tail with erfcx).
 */
export function logH(z: number): number {
  if (z > -3) return Math.log(normalPdf(z) + z * normalCdf(z));
  const x = -z;
  const e = millsDenominator(x, 2);
  const d = x + 1 / e;
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(d) - Math.log(e);
}

/** log EI for minimisation: improvement over `best` by f ~ N(mean, std^2). -Infinity when std = 0 and no gain. */
export function logExpectedImprovement(mean: number, std: number, best: number): number {
  if (!(std > 1e-300)) return best > mean ? Math.log(best - mean) : -Infinity;
  return Math.log(std) + logH((best - mean) / std);
}

/**
 * Cost exponent of EI per unit cost, EI / c^alpha (MFMS-GP, seeds 000/001): alpha decays as the budget is
 * spent, from 1 (cost counts fully: explore cheaply) to 0 (plain EI: spend what is left where it matters).
 * The papers give no schedule; linear in the fraction of budget used is the simplest that has both ends.
 */
export function costExponent(budgetUsedFraction: number): number {
  const f = Math.min(1, Math.max(0, Number.isFinite(budgetUsedFraction) ? budgetUsedFraction : 0));
  return 1 - f;
}

/** log(EI / c^alpha). */
export function logEiPerCost(mean: number, std: number, best: number, cost: number, alpha: number): number {
  return logExpectedImprovement(mean, std, best) - alpha * Math.log(Math.max(cost, 1e-300));
}

/** Lower confidence bound, negated so that larger is better (minimisation): -(mean - beta * std). */
export function lowerConfidenceBound(mean: number, std: number, beta: number): number {
  return -(mean - beta * std);
}

/**
 * Samples of the minimum value f* of the target-fidelity objective, by Wang & Jegelka's (2017) Gumbel
 * approximation: P(f* >= y) ~ prod_i Phi((mu_i - y) / sigma_i) over a candidate set, whose quartiles fix a
 * Gumbel law for -f*. `u` are uniforms in (0, 1). Samples never exceed `incumbent` (a seen value bounds f*).
 */
export function sampleMinValues(means: ArrayLike<number>, stds: ArrayLike<number>, incumbent: number, u: readonly number[]): number[] {
  const n = means.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, means[i]! - 6 * stds[i]!);
    hi = Math.max(hi, means[i]!);
  }
  hi = Math.min(hi, incumbent);
  if (!(lo < hi)) return u.map(() => Math.min(incumbent, lo));
  // P(f* > y) for minimum values
  const survival = (y: number): number => {
    let logp = 0;
    for (let i = 0; i < n; i++) {
      const s = stds[i]!;
      logp += s > 1e-12 ? logNormalCdfFast((means[i]! - y) / s) : means[i]! >= y ? 0 : -Infinity;
      if (logp === -Infinity) return 0;
    }
    return Math.exp(logp);
  };
  const quantile = (p: number): number => {
    // y with P(f* <= y) = p, i.e. survival(y) = 1 - p; survival decreases in y.
    let a = lo;
    let b = hi;
    for (let k = 0; k < 60; k++) {
      const m = 0.5 * (a + b);
      if (1 - survival(m) < p) a = m;
      else b = m;
    }
    return 0.5 * (a + b);
  };
  const q1 = quantile(0.25);
  const q2 = quantile(0.5);
  const q3 = quantile(0.75);
  // -f* ~ Gumbel(a, b): quantile of -f* at level p is a - b log(-log p); level p of -f* is 1 - p of f*.
  const b = Math.max(1e-12, (q3 - q1) / (Math.log(-Math.log(0.25)) - Math.log(-Math.log(0.75))));
  const a = -q2 + b * Math.log(Math.log(2));
  return u.map((r) => Math.min(incumbent, -(a - b * Math.log(-Math.log(Math.min(Math.max(r, 1e-12), 1 - 1e-12))))));
}

const QUAD_POINTS = 61;
const QUAD_HALF_WIDTH = 7;
// Grid in a = (rho u - gamma)/s: Phi(a) log Phi(a) is below 1e-30 outside [-12, 9].
const EDGE_LOW = -12;
const EDGE_HIGH = 9;
const EDGE_POINTS = 106;

/**
 * Multi-fidelity max-value entropy search (ADMIRE-BayesOpt eq. 7-9; Takeno et al. 2020), min-value form: the
 * mutual information between an observation f_m(x) at fidelity m and the target minimum f*, averaged over samples
 * of f*. rho is the posterior correlation of f_m(x) with the target f_M(x); gamma = (f* - mu_M) / sigma_M.
 * rho = 1 (the target itself): the closed form of eq. 9 with psi = Phi(-gamma) for minimisation.
 * |rho| < 1: H[f_m] - E[H[f_m | f_M(x) >= f*]] by quadrature over the standardised u = (f_m - mu_m) / sigma_m,
 * whose conditional density is phi(u) Phi((rho u - gamma) / sqrt(1 - rho^2)) / Phi(-gamma), on a grid centred on its mean.
 * Returns nats (before dividing by cost).
 */
export function maxValueEntropyGain(gammas: readonly number[], rho: number): number {
  if (gammas.length === 0) return 0;
  const r = Math.max(-1, Math.min(1, rho));
  let total = 0;
  if (Math.abs(r) > 1 - 1e-10) {
    for (const gamma of gammas) {
      // truncation f >= f*: with g = -gamma this is eq. 9's  g psi(g) / (2 Psi(g)) - log Psi(g)
      const g = -gamma;
      const logPsi = logNormalCdf(g);
      // psi/Psi in log space: both underflow for g below about -38 while their ratio (~ -g) does not.
      const ratio = Math.exp(-0.5 * g * g - LOG_SQRT_2PI - logPsi);
      total += (g * ratio) / 2 - logPsi;
    }
    return Math.max(0, total / gammas.length);
  }
  const s = Math.sqrt(1 - r * r);
  const h = (2 * QUAD_HALF_WIDTH) / (QUAD_POINTS - 1);
  const normalEntropy = 0.5 * Math.log(2 * Math.PI * Math.E);
  // For rho near +-1 the density has an edge of width w = s/|rho| at u = gamma/rho (the truncation seen through
  // the correlation) that the uniform grid cannot resolve. There, with a = (rho u - gamma)/s and
  // log p = -u^2/2 - log sqrt(2 pi) + log Phi(a) - log Z, the gain H[N(0,1)] - H[u | A] splits into closed forms
  // and one integral that lives at the edge:  -rho^2 gamma lambda / 2 + E[log Phi(a) | A] - log Z,  using
  // E[u^2 | A] = rho^2 (1 + gamma lambda) + s^2 with lambda = phi(gamma)/Phi(-gamma). The integral is taken over a
  // (where the edge has unit width) by the trapezoid rule; at rho = 1 it vanishes and this is eq. 9 again.
  const edgeWidth = s / Math.max(Math.abs(r), 1e-12);
  const resolveEdge = Math.abs(r) > 1e-6 && edgeWidth < 2 * h;
  const da = (EDGE_HIGH - EDGE_LOW) / (EDGE_POINTS - 1);
  for (const gamma of gammas) {
    const logZ = logNormalCdf(-gamma);
    const lambda = Math.exp(-0.5 * gamma * gamma - LOG_SQRT_2PI - logZ);
    if (resolveEdge) {
      let edgeTerm = 0;
      for (let k = 0; k < EDGE_POINTS; k++) {
        const a = EDGE_LOW + k * da;
        const u = (gamma + s * a) / r;
        const logPhiA = logNormalCdfFast(a);
        const value = Math.exp(-0.5 * u * u - LOG_SQRT_2PI + logPhiA - logZ) * logPhiA;
        edgeTerm += (k === 0 || k === EDGE_POINTS - 1 ? 0.5 : 1) * value;
      }
      total += -0.5 * r * r * gamma * lambda + edgeTerm * da * edgeWidth - logZ;
      continue;
    }
    // Centre the grid on the conditional mean r E[v | v >= gamma] = r lambda: for a large gamma the mass sits near
    // r gamma, outside a grid fixed around 0. The conditional variance is at most 1.
    const centre = r * lambda;
    const logNormaliser = LOG_SQRT_2PI + logZ;
    let entropy = 0;
    for (let k = 0; k < QUAD_POINTS; k++) {
      const u = centre - QUAD_HALF_WIDTH + k * h;
      const logp = -0.5 * u * u + logNormalCdfFast((r * u - gamma) / s) - logNormaliser;
      const p = Math.exp(logp);
      if (p > 0) entropy -= (k === 0 || k === QUAD_POINTS - 1 ? 0.5 : 1) * p * logp;
    }
    total += normalEntropy - entropy * h;
  }
  return Math.max(0, total / gammas.length);
}
