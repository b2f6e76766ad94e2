// The parsed, validated study (`*.mixopt.yaml`). See SPEC.md "Study file". Produced by src/study/parse.ts.

export interface ModelFidelity {
  readonly name: string;
  /** number of parameters, > 0 */
  readonly params: number;
  /** optional cost of one run of this model at the target steps, for cost.kind = "table" */
  readonly cost?: number;
}

export type Aggregate =
  | { readonly kind: 'mean' }
  | { readonly kind: 'max' }
  | { readonly kind: 'weighted'; readonly weights: Readonly<Record<string, number>> };

export interface Objective {
  /** metric names; "{domain}" expands to every study domain (or to those listed in `domains_with_metrics`) */
  readonly metrics: readonly string[];
  readonly aggregate: Aggregate;
  readonly direction: 'minimize' | 'maximize';
}

export type CostModel =
  /** 6 * params * tokens, tokens = steps * tokens_per_step */
  | { readonly kind: 'flops'; readonly tokensPerStep: number }
  /** cost per model name (at target steps; scaled linearly by steps) */
  | { readonly kind: 'table'; readonly table: Readonly<Record<string, number>> }
  /** read GPU-hours from the run logs, falling back to a per-model estimate */
  | { readonly kind: 'gpu_hours'; readonly metric: string; readonly fallback?: Readonly<Record<string, number>> };

export interface Budget {
  readonly total: number;
  /** "target_runs": number of runs at the target fidelity; "flops"; "gpu_hours"; or "cost" (the cost model's unit) */
  readonly unit: 'target_runs' | 'flops' | 'gpu_hours' | 'cost';
}

export interface Constraints {
  /** domain -> [lower, upper] */
  readonly bounds: Readonly<Record<string, readonly [number, number]>>;
  /** domain -> fixed weight */
  readonly fixed: Readonly<Record<string, number>>;
  /** domain -> available tokens */
  readonly availableTokens: Readonly<Record<string, number>>;
  readonly maxEpochs: number;
}

/** Column mapping for CSV tables of runs (one row a run). */
export interface CsvMapping {
  /** glob of mixture CSV files, or a single file */
  readonly mixtureFile?: string;
  /** glob of metrics CSV files joined by `join` column with the mixture file of the same stem pair */
  readonly metricsFile?: string;
  readonly join?: string;
  /** column name pattern for a domain weight, e.g. "train_the_pile_{domain}"; default "{domain}" */
  readonly weightColumn: string;
  /** metric name -> column name pattern, e.g. "val_loss/{domain}" -> "metric/the_pile_{domain}_val_loss" */
  readonly metricColumns: Readonly<Record<string, string>>;
  /** column with the model name, or a fixed model name for the whole file */
  readonly modelColumn?: string;
  readonly model?: string;
  readonly stepsColumn?: string;
  readonly steps?: number;
  readonly runIdColumn?: string;
}

export interface Study {
  /** absolute or workspace-relative path of the study file */
  readonly file: string;
  readonly name: string;
  readonly domains: readonly string[];
  readonly objective: Objective;
  readonly fidelities: {
    readonly models: readonly ModelFidelity[];
    readonly steps: readonly number[];
    readonly target: { readonly model: string; readonly steps: number };
  };
  readonly cost: CostModel;
  readonly budget: Budget;
  readonly constraints: Constraints;
  readonly runs: {
    readonly include: readonly string[];
    readonly exclude: readonly string[];
    /** files matched by these globs are read as CSV tables with `csv` mapping */
    readonly csv?: readonly (CsvMapping & { readonly files: readonly string[] })[];
  };
  readonly config?: {
    readonly template: string;
    /** pattern with {trial}, {model}, {steps} */
    readonly output: string;
    readonly mixtureKey: string;
    readonly modelKey?: string;
    readonly stepsKey?: string;
    /** mixture shape at mixtureKey; "auto" detects it from the template */
    readonly mixtureShape: 'auto' | 'map' | 'list' | 'flat';
    /** for shape "flat" (Megatron/NeMo): domain -> data path */
    readonly paths?: Readonly<Record<string, string>>;
    /** template and output may lie outside the study's workspace folder (honoured in trusted workspaces only) */
    readonly allowOutsideWorkspace?: boolean;
  };
  readonly launch?: LaunchSpec;
  readonly optimizer: {
    readonly acquisition: 'auto' | 'logei' | 'ei-per-cost' | 'mes' | 'ucb';
    readonly batch: number;
    readonly seed: number;
    readonly kernel: 'rbf' | 'matern52';
    readonly ard: boolean;
    readonly fidelityKernel: 'rbf' | 'downsampling';
  };
}

/**
 * How trials are launched. The plain string form `launch: "bash train.sh ${config}"` is the terminal launcher;
 * `launch: {scheduler: slurm, command: "sbatch train.sh ${config}"}` has MixOpt submit the job and track it.
 */
export interface LaunchSpec {
  readonly scheduler: 'terminal' | 'slurm';
  readonly command: string;
}
