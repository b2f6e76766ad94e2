// Composite kernels (scikit-learn's Sum and Product): theta is the concatenation of the parts' thetas in order;
// CompositeKernel holds that layout once (names, bounds, features, splitting theta) for both.
import { checkThetaLength, isPairKernel, readsOnlyMixture } from './types';
import type { Feature, Kernel, KernelGradient, PairKernel, PreparedKernel } from './types';
import type { PointSet } from '../types';

/** Whether two sets of n points have the same mixture weights row by row (fidelity columns may differ). */
function sameMixtureColumns(a: PointSet, b: PointSet): boolean {
  const dim = a.d + 2;
  for (let i = 0; i < a.n; i++) {
    for (let m = 0; m < a.d; m++) if (a.data[i * dim + m] !== b.data[i * dim + m]) return false;
  }
  return true;
}

/** The parts' layout of a composite: theta = concat(parts' theta), features = union of the parts' features. */
abstract class CompositeKernel implements Kernel {
  readonly names: readonly string[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  readonly features: readonly Feature[];
  readonly parts: readonly Kernel[];
  /** theta entries of each part */
  protected readonly sizes: readonly number[];

  constructor(
    parts: readonly Kernel[],
    private readonly owner: string,
  ) {
    if (parts.length === 0) throw new Error(`${owner} needs at least one part`);
    this.parts = parts;
    this.sizes = parts.map((part) => part.names.length);
    this.names = parts.flatMap((part) => part.names);
    this.bounds = parts.flatMap((part) => part.bounds);
    this.features = [...new Set(parts.flatMap((part) => part.features))];
  }

  get theta(): Float64Array {
    const out = new Float64Array(this.names.length);
    let offset = 0;
    for (const part of this.parts) {
      const theta = part.theta;
      out.set(theta, offset);
      offset += theta.length;
    }
    return out;
  }

  abstract withTheta(theta: ArrayLike<number>): CompositeKernel;

  /** theta cut into the parts' slices (copies); throws on a wrong length. */
  protected split(theta: ArrayLike<number>): Float64Array[] {
    checkThetaLength(theta, this.names.length, this.owner);
    let offset = 0;
    return this.sizes.map((size) => {
      const part = Float64Array.from({ length: size }, (_, i) => theta[offset + i]!);
      offset += size;
      return part;
    });
  }

  /** The parts at theta (new kernels). */
  protected partsAt(theta: ArrayLike<number>): Kernel[] {
    const thetas = this.split(theta);
    return this.parts.map((part, i) => part.withTheta(thetas[i]!));
  }

  lengthscales(feature: Feature): Float64Array | undefined {
    for (const part of this.parts) {
      const found = part.lengthscales(feature);
      if (found) return found;
    }
    return undefined;
  }

  abstract matrix(a: PointSet, b?: PointSet): Float64Array;
  abstract diag(a: PointSet): Float64Array;
  abstract pairwise(a: PointSet, b: PointSet): Float64Array;
  abstract gradient(a: PointSet): KernelGradient;
  abstract prepare(a: PointSet): PreparedKernel;
}

/** Sum of kernels over the same feature (scikit-learn's Sum); theta is the concatenation of the parts' thetas. */
export class SumKernel extends CompositeKernel implements PairKernel {
  constructor(parts: readonly Kernel[]) {
    super(parts, 'SumKernel');
  }

  withTheta(theta: ArrayLike<number>): SumKernel {
    return new SumKernel(this.partsAt(theta));
  }

  private add(compute: (part: Kernel) => Float64Array): Float64Array {
    const out = compute(this.parts[0]!);
    for (let p = 1; p < this.parts.length; p++) {
      const next = compute(this.parts[p]!);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + next[i]!;
    }
    return out;
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    return this.add((part) => part.matrix(a, b));
  }

  /** [K(first, b), K(second, b)], each part through its own matrixPair when it has one. */
  matrixPair(first: PointSet, second: PointSet, b: PointSet): [Float64Array, Float64Array] {
    const pairOf = (part: Kernel): [Float64Array, Float64Array] => (isPairKernel(part) ? part.matrixPair(first, second, b) : [part.matrix(first, b), part.matrix(second, b)]);
    const [outFirst, outSecond] = pairOf(this.parts[0]!);
    for (let p = 1; p < this.parts.length; p++) {
      const [nextFirst, nextSecond] = pairOf(this.parts[p]!);
      for (let i = 0; i < outFirst.length; i++) outFirst[i] = outFirst[i]! + nextFirst[i]!;
      for (let i = 0; i < outSecond.length; i++) outSecond[i] = outSecond[i]! + nextSecond[i]!;
    }
    return [outFirst, outSecond];
  }

  diag(a: PointSet): Float64Array {
    return this.add((part) => part.diag(a));
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    return this.add((part) => part.pairwise(a, b));
  }

  gradient(a: PointSet): KernelGradient {
    const parts = this.parts.map((part) => part.gradient(a));
    const k = Float64Array.from(parts[0]!.k);
    for (let p = 1; p < parts.length; p++) {
      const next = parts[p]!.k;
      for (let i = 0; i < k.length; i++) k[i] = k[i]! + next[i]!;
    }
    return { k, dk: parts.flatMap((part) => part.dk) };
  }

  prepare(a: PointSet): PreparedKernel {
    const prepared = this.parts.map((part) => part.prepare(a));
    const k = new Float64Array(a.n * a.n);
    const total = this.names.length;
    const sizes = this.sizes;
    const split = (theta: ArrayLike<number>): Float64Array[] => this.split(theta);
    return {
      matrix(theta: ArrayLike<number>): Float64Array {
        const thetas = split(theta);
        k.set(prepared[0]!.matrix(thetas[0]!));
        for (let p = 1; p < prepared.length; p++) {
          const next = prepared[p]!.matrix(thetas[p]!);
          for (let i = 0; i < k.length; i++) k[i] = k[i]! + next[i]!;
        }
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        const out = new Float64Array(total);
        let offset = 0;
        prepared.forEach((part, p) => {
          out.set(part.contract(weights), offset);
          offset += sizes[p]!;
        });
        return out;
      },
    };
  }
}

/** Product of kernels; theta is the concatenation of the factors' thetas. */
export class ProductKernel extends CompositeKernel implements PairKernel {
  /** the factors (the composite's parts), in theta order */
  readonly factors: readonly Kernel[];

  constructor(factors: readonly Kernel[]) {
    super(factors, 'ProductKernel');
    this.factors = factors;
  }

  withTheta(theta: ArrayLike<number>): ProductKernel {
    return new ProductKernel(this.partsAt(theta));
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    const out = this.factors[0]!.matrix(a, b);
    for (let f = 1; f < this.factors.length; f++) {
      const next = this.factors[f]!.matrix(a, b);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * next[i]!;
    }
    return out;
  }

  /**
   * [K(first, b), K(second, b)] for two sets of equal size whose rows may share their mixture weights (a pool and
   * its copies at another fidelity): factors that read only those columns (the mixture kernel, the constant) are
   * evaluated once when the weights are equal. Same products in the same order as matrix(), so the same numbers.
   */
  matrixPair(first: PointSet, second: PointSet, b: PointSet): [Float64Array, Float64Array] {
    const sameMixtures = first.n === second.n && first.d === second.d && sameMixtureColumns(first, second);
    let outFirst: Float64Array | undefined;
    let outSecond: Float64Array | undefined;
    for (const factor of this.factors) {
      const mixtureOnly = readsOnlyMixture(factor);
      const nextFirst = factor.matrix(first, b);
      const nextSecond = sameMixtures && mixtureOnly ? nextFirst : factor.matrix(second, b);
      if (outFirst === undefined || outSecond === undefined) {
        outFirst = nextFirst === nextSecond ? Float64Array.from(nextFirst) : nextFirst;
        outSecond = nextSecond;
        continue;
      }
      for (let i = 0; i < outFirst.length; i++) outFirst[i] = outFirst[i]! * nextFirst[i]!;
      for (let i = 0; i < outSecond.length; i++) outSecond[i] = outSecond[i]! * nextSecond[i]!;
    }
    return [outFirst!, outSecond!];
  }

  diag(a: PointSet): Float64Array {
    const out = this.factors[0]!.diag(a);
    for (let f = 1; f < this.factors.length; f++) {
      const next = this.factors[f]!.diag(a);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * next[i]!;
    }
    return out;
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    const out = this.factors[0]!.pairwise(a, b);
    for (let f = 1; f < this.factors.length; f++) {
      const next = this.factors[f]!.pairwise(a, b);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * next[i]!;
    }
    return out;
  }

  gradient(a: PointSet): KernelGradient {
    const parts = this.factors.map((factor) => factor.gradient(a));
    const k = Float64Array.from(parts[0]!.k);
    for (let f = 1; f < parts.length; f++) {
      const next = parts[f]!.k;
      for (let i = 0; i < k.length; i++) k[i] = k[i]! * next[i]!;
    }
    const dk: Float64Array[] = [];
    parts.forEach((part, f) => {
      for (const own of part.dk) {
        const scaled = Float64Array.from(own);
        parts.forEach((other, g) => {
          if (g === f) return;
          for (let i = 0; i < scaled.length; i++) scaled[i] = scaled[i]! * other.k[i]!;
        });
        dk.push(scaled);
      }
    });
    return { k, dk };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const prepared = this.factors.map((factor) => factor.prepare(a));
    // a factor that reads no coordinate is a constant: folded into a scalar
    const constants = this.factors.map((factor) => factor.features.length === 0);
    const k = new Float64Array(n * n);
    const scaledWeights = new Float64Array(n * n);
    let factorMatrices: Float64Array[] = [];
    let constantProduct = 1;
    const total = this.names.length;
    const sizes = this.sizes;
    const split = (theta: ArrayLike<number>): Float64Array[] => this.split(theta);
    return {
      matrix(theta: ArrayLike<number>): Float64Array {
        const thetas = split(theta);
        factorMatrices = prepared.map((factor, f) => factor.matrix(thetas[f]!));
        constantProduct = 1;
        k.fill(1);
        factorMatrices.forEach((matrix, f) => {
          if (constants[f]) {
            constantProduct *= matrix[0] ?? 1;
            return;
          }
          for (let i = 0; i < k.length; i++) k[i] = k[i]! * matrix[i]!;
        });
        if (constantProduct !== 1) for (let i = 0; i < k.length; i++) k[i] = k[i]! * constantProduct;
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        const out = new Float64Array(total);
        let offset = 0;
        prepared.forEach((factor, f) => {
          // Weights for factor f: W o (product of the other factors), written with constants folded into a scalar.
          let scalar = 1;
          const others: Float64Array[] = [];
          factorMatrices.forEach((matrix, g) => {
            if (g === f) return;
            if (constants[g]) scalar *= matrix[0] ?? 1;
            else others.push(matrix);
          });
          // Only the lower triangle is read by the factors (weights are symmetric).
          const first = others[0];
          const second = others[1];
          if (others.length === 0) {
            for (let i = 0; i < scaledWeights.length; i++) scaledWeights[i] = weights[i]! * scalar;
          } else if (others.length === 1 && first) {
            for (let i = 0; i < n; i++) {
              for (let j = i * n, end = i * n + i + 1; j < end; j++) scaledWeights[j] = weights[j]! * scalar * first[j]!;
            }
          } else if (others.length === 2 && first && second) {
            for (let i = 0; i < n; i++) {
              for (let j = i * n, end = i * n + i + 1; j < end; j++) scaledWeights[j] = weights[j]! * scalar * first[j]! * second[j]!;
            }
          } else {
            for (let i = 0; i < n; i++) {
              for (let j = i * n, end = i * n + i + 1; j < end; j++) {
                let value = weights[j]! * scalar;
                for (const other of others) value *= other[j]!;
                scaledWeights[j] = value;
              }
            }
          }
          out.set(factor.contract(scaledWeights), offset);
          offset += sizes[f]!;
        });
        return out;
      },
    };
  }
}
