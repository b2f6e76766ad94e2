// Reads the reference values written by scripts/make-sklearn-fixtures.py (no Python needed at test time).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProductKernel } from '../../../src/core/kernels/composite';
import { DownsamplingKernel } from '../../../src/core/kernels/downsampling';
import { ConstantKernel } from '../../../src/core/kernels/gram';
import { StationaryKernel } from '../../../src/core/kernels/stationary';
import type { Kernel } from '../../../src/core/kernels/types';
import type { GpConfig } from '../../../src/core/gp/config';
import type { PointSet } from '../../../src/core/types';

export interface FactorSpec {
  readonly type: 'rbf' | 'matern52' | 'downsampling' | 'constant';
  readonly feature?: 'mixture' | 's' | 'z';
  readonly ard?: boolean;
}

export interface KernelFixture {
  readonly name: string;
  readonly spec: { readonly factors: readonly FactorSpec[] };
  readonly theta: number[];
  readonly k: number[];
  readonly kCross: number[];
  readonly diag: number[];
}

export interface GpFixture {
  readonly config: GpConfig;
  readonly theta: number[];
  readonly logMarginalLikelihood: number;
  readonly posteriorMean: number[];
  readonly posteriorVariance: number[];
  readonly boundsLog: number[][];
  readonly fitted: { readonly restarts: number; readonly logMarginalLikelihood: number; readonly theta: number[] };
}

export interface Fixture {
  readonly file: string;
  readonly d: number;
  readonly n: number;
  readonly nTest: number;
  readonly points: number[];
  readonly y: number[];
  readonly testPoints: number[];
  readonly kernels: KernelFixture[];
  readonly gps: GpFixture[];
}

const directory = join(process.cwd(), 'test', 'fixtures', 'sklearn');

export function loadFixtures(): Fixture[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: name, ...(JSON.parse(readFileSync(join(directory, name), 'utf8')) as Omit<Fixture, 'file'>) }));
}

export function pointSet(data: number[], n: number, d: number): PointSet {
  return { n, d, data: Float64Array.from(data) };
}

export function kernelFromSpec(spec: KernelFixture['spec'], d: number): Kernel {
  const factors = spec.factors.map((factor): Kernel => {
    if (factor.type === 'constant') return new ConstantKernel();
    if (factor.type === 'downsampling') return new DownsamplingKernel({ feature: factor.feature === 'z' ? 'z' : 's', d });
    return new StationaryKernel(factor.type, { feature: factor.feature ?? 'mixture', d, ard: factor.ard ?? false });
  });
  return factors.length === 1 ? factors[0]! : new ProductKernel(factors);
}

export function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
}

/** Largest relative error over entries, relative to the largest |expected| entry (so near-zero entries do not blow up). */
export function maxScaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(scale, 1e-300));
  return worst;
}
