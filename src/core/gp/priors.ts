// Log-priors on the log-hyperparameters (MAP instead of plain maximum likelihood), by hyperparameter name.

/** A log-prior on one log-hyperparameter theta = log x, as a function of theta (Jacobian included). */
export interface LogPrior {
  value(theta: number): number;
  derivative(theta: number): number;
}

/** x ~ Gamma(shape a, rate b) written in theta = log x: a theta - b e^theta (+ const). */
function gammaPrior(shape: number, rate: number): LogPrior {
  return { value: (t) => shape * t - rate * Math.exp(t), derivative: (t) => shape - rate * Math.exp(t) };
}

/** x ~ LogNormal(mu, sigma), i.e. theta ~ Normal(mu, sigma^2) (+ const). */
function logNormalPrior(mu: number, sigma: number): LogPrior {
  const inv = 1 / (sigma * sigma);
  return { value: (t) => -0.5 * (t - mu) * (t - mu) * inv, derivative: (t) => -(t - mu) * inv };
}

/**
 * PRIORS (on standardised outputs). Amplitude Gamma(2, 0.15) and noise Gamma(1.1, 0.05) as BoTorch's classic
 * SingleTaskGP; lengthscales LogNormal(log 0.5, 1): centred on the shared-lengthscale start so that per-domain
 * (ARD) lengthscales cannot run off to tiny values on few runs (SPEC: ARD by plain ML transferred badly).
 * Downsampling c ~ LogNormal(log 0.1, 1.5), delta ~ LogNormal(0, 1.5). Trend variances LogNormal(log 16, 2): wide,
 * because they matter where the data cannot fit them (the target past every observed size or step count, where
 * the y spread of a few cheap levels says nothing about the curvature). On the closed loop (bench/LOOP.md, 4 seeds
 * x 60 suggestions) the share of steps whose 95% interval held the truth was 0% without the trend, 54% with a
 * median of 4, 70% with 16, 67% with 64 (whose final regrets were worse).
 */
export function priorFor(name: string): LogPrior | undefined {
  if (name === 'amplitude') return gammaPrior(2, 0.15);
  if (name === 'noise' || name === 'run.noise') return gammaPrior(1.1, 0.05);
  if (name.includes('.lengthscale')) return logNormalPrior(Math.log(0.5), 1);
  if (name.endsWith('.downsampling.c')) return logNormalPrior(Math.log(0.1), 1.5);
  if (name.endsWith('.downsampling.delta')) return logNormalPrior(0, 1.5);
  if (name === 'mixture.linear.variance') return logNormalPrior(Math.log(0.5), 1.5);
  if (name === 'mixture.entropy.variance') return logNormalPrior(Math.log(0.1), 1.5);
  if (name.endsWith('.level.variance')) return logNormalPrior(Math.log(0.1), 1.5);
  if (name.startsWith('trend.')) return logNormalPrior(Math.log(16), 2);
  return undefined;
}
