// The model's kernel: scale x K_mix x K_model x K_steps (SPEC "Model and decisions").
import { SumKernel, ProductKernel } from './composite';
import { DownsamplingKernel } from './downsampling';
import { ConstantKernel, EntropyKernel, LevelKernel, LinearKernel } from './gram';
import { StationaryKernel } from './stationary';
import type { Kernel } from './types';

export interface DefaultKernelSpec {
  readonly d: number;
  readonly mixtureKernel: 'rbf' | 'matern52';
  readonly ard: boolean;
  readonly fidelityKernel: 'rbf' | 'downsampling';
  /** Add a linear trend in the mixture weights to the mixture kernel (LinearKernel). Default false. */
  readonly linear?: boolean;
  /** Add a linear trend in the mixture's entropy to the mixture kernel (EntropyKernel). Default false. */
  readonly entropy?: boolean;
  /** Add a per-model-size component to the size kernel (LevelKernel). Default false. */
  readonly sizeLevels?: boolean;
}

/**
 * scale x K_mix(w, w') x K_model(s, s') x K_steps(z, z') (SPEC "Model and decisions"), where K_mix may be
 * stationary + linear and K_model stationary + per-size component.
 */
export function buildDefaultKernel(spec: DefaultKernelSpec): ProductKernel {
  const fidelity = (feature: 's' | 'z'): Kernel =>
    spec.fidelityKernel === 'rbf'
      ? new StationaryKernel('rbf', { feature, d: spec.d, lengthscale: 0.5, lengthscaleBounds: [0.01, 20] })
      : new DownsamplingKernel({ feature, d: spec.d });
  const stationary = new StationaryKernel(spec.mixtureKernel, { feature: 'mixture', d: spec.d, ard: spec.ard });
  const trends = [...(spec.linear ? [new LinearKernel({ d: spec.d })] : []), ...(spec.entropy ? [new EntropyKernel({ d: spec.d })] : [])];
  const mixture = trends.length > 0 ? new SumKernel([stationary, ...trends]) : stationary;
  const size = spec.sizeLevels ? new SumKernel([fidelity('s'), new LevelKernel({ feature: 's', d: spec.d })]) : fidelity('s');
  return new ProductKernel([new ConstantKernel({ value: 1, bounds: [0.01, 100], name: 'amplitude' }), mixture, size, fidelity('z')]);
}
