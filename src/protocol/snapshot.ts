// Plain-data results of the engine, shown by the panels, the tree, the status bar and the CLI (--json).
// Pure JSON-serialisable types: they cross the worker-thread and webview boundaries unchanged.

export type Mixture = Record<string, number>;

export type TrialStatus = 'suggested' | 'pending' | 'running' | 'completed' | 'failed' | 'abandoned' | 'external';

export interface TrialView {
  readonly id: string;
  readonly status: TrialStatus;
  readonly mixture: Mixture;
  readonly model: string;
  readonly steps: number;
  /** objective value when observed (in the study's direction, not negated) */
  readonly value?: number;
  /** the run stopped before its planned steps (preempted, crashed, still running): it counts at stepsReached */
  readonly partial?: boolean;
  readonly stepsReached?: number;
  readonly cost: number;
  readonly configPath?: string;
  readonly runSource?: string;
  readonly time?: string;
  /** the latest scheduler job of a tracked launch (state fields filled in by whoever asked the scheduler) */
  readonly job?: JobView;
  /** the note of the trial's latest ledger event (why it failed or was abandoned) */
  readonly note?: string;
}

/** What MixOpt shows for a job, whatever the scheduler calls it. */
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout' | 'out-of-memory' | 'node-failure' | 'unknown';

export interface JobView {
  readonly scheduler: string;
  readonly id: string;
  /** the job's output file, as the scheduler reported it */
  readonly output?: string;
  /** jobs launched for this trial so far (a resubmission adds one) */
  readonly attempts: number;
  /** live state, when the scheduler was asked (the extension's poll, `mixopt status`) */
  readonly state?: JobState;
  readonly rawState?: string;
  readonly exitCode?: number;
  readonly signal?: number;
  readonly elapsedSeconds?: number;
  readonly reason?: string;
  /** the job ended but no run log of the trial was found: where MixOpt looked */
  readonly logsMissing?: string;
  /** the scheduler could not be asked (the error), so the state is not known */
  readonly queryError?: string;
}

export interface Interval {
  readonly mean: number;
  /** lower and upper bound of the central 95% credible interval */
  readonly lower: number;
  readonly upper: number;
}

export interface SuggestionView {
  readonly id: string;
  readonly mixture: Mixture;
  readonly model: string;
  readonly steps: number;
  /** predicted objective at the suggested fidelity (absent in a first design: nothing observed to predict from) */
  readonly predicted?: Interval;
  /** predicted objective of the same mixture at the target fidelity (absent in a first design) */
  readonly predictedAtTarget?: Interval;
  /** a space-filling first design, chosen before any run was observed */
  readonly firstDesign?: boolean;
  readonly acquisition: string;
  readonly acquisitionValue: number;
  readonly cost: number;
  /** one or two sentences on why this point */
  readonly reason: string;
  /** a target run of the recommended mixture, which had none (engine.ts recommendationFirst) */
  readonly recommended?: boolean;
}

export interface RecommendationView {
  readonly mixture: Mixture;
  readonly model: string;
  readonly steps: number;
  readonly predicted: Interval;
  /**
   * Where `predicted` (and the alternative's) is given when it is not at the target: with one model size run, at
   * that size and its most steps, since one size cannot show a size effect. Absent: at the target.
   */
  readonly predictedAt?: { readonly model: string; readonly steps: number };
  /** "search" when found by optimising the posterior mean, "observed" when an observed mixture won */
  readonly source: 'search' | 'observed';
  /** best observed run at the target fidelity, if any */
  readonly bestObserved?: { readonly trialId: string; readonly mixture: Mixture; readonly value: number };
  /**
   * The other contender: when the recommendation was searched, the measured target mixture with the best posterior
   * mean; when a measured one was kept, the searched mixture it was kept over. `probabilityBetter` is
   * P(recommended is better than this one) under the joint posterior; `threshold` what a searched mixture needs.
   */
  readonly alternative?: { readonly mixture: Mixture; readonly predicted: Interval; readonly measured: boolean; readonly probabilityBetter: number; readonly threshold: number };
  /** while the target size has no run: how `predicted` was extrapolated and how far to trust its interval */
  readonly extrapolation?: string;
}

export interface BudgetView {
  readonly unit: string;
  readonly total: number;
  readonly used: number;
  /** cost spent per model name */
  readonly byModel: Record<string, number>;
  /** cumulative cost (in order of completion) against best target-fidelity prediction or observation so far */
  readonly burn: readonly { readonly cost: number; readonly model: string; readonly bestTarget?: number }[];
  /** cost of one target run, to express the budget in target runs */
  readonly targetRunCost: number;
  /** where the spent costs come from: one source for every run of the study */
  readonly costSource: CostSourceView;
}

/**
 * The one cost source of a study's spent budget: `measured` when every counted run logs its cost (FLOPs for
 * cost.kind flops, GPU-hours for gpu_hours), else `nominal` (the study's cost model) for all of them, never a mix.
 */
export interface CostSourceView {
  readonly kind: 'measured' | 'nominal';
  /** what the costs are, e.g. "measured FLOPs from the run logs" or "nominal FLOPs (6·N·D from cost.tokens_per_step)" */
  readonly label: string;
  /** why measured costs are not used, when they are not, e.g. "3 of 12 runs have no measured FLOPs" */
  readonly reason?: string;
  /** runs counted in the spent budget */
  readonly runs: number;
  /** of those, the runs whose logs give a measured cost */
  readonly measuredRuns: number;
}

export interface PosteriorView {
  /** per-domain slice through the recommended mixture at the target fidelity (other weights rescaled) */
  readonly slices: readonly {
    readonly domain: string;
    readonly weights: readonly number[];
    readonly mean: readonly number[];
    readonly lower: readonly number[];
    readonly upper: readonly number[];
    readonly current: number;
  }[];
  /** leave-one-out predicted vs observed */
  readonly loo: readonly { readonly id: string; readonly model: string; readonly observed: number; readonly predicted: number; readonly std: number }[];
  /** Spearman rank correlation of each model size with the target model over mixtures seen at both (or predicted) */
  readonly rankCorrelation: readonly { readonly model: string; readonly spearman: number; readonly pairs: number; readonly basis: 'observed' | 'predicted' }[];
  /** domain importance from ARD lengthscales (1/lengthscale, normalised), or from slice ranges when shared */
  readonly domainImportance: readonly { readonly domain: string; readonly importance: number }[];
  /** where domainImportance comes from: per-domain lengthscales (ARD) or the ranges of the slices */
  readonly importanceBasis: 'ard' | 'slices';
  /** per-domain metric of the recommendation (predicted) vs the best observed run */
  readonly perDomain: readonly {
    readonly metric: string;
    readonly recommended: number;
    /** 95% credible interval of the recommendation's metric */
    readonly lower?: number;
    readonly upper?: number;
    readonly bestObserved?: number;
    /** true when the recommendation is predicted to be worse on this metric */
    readonly worse: boolean;
  }[];
  /**
   * The objective aggregated from the per-domain predictions above (each metric has its own model, fitted to the
   * highest-fidelity runs) next to the headline model's prediction at the same mixture; a gap says a per-domain
   * model disagrees with the headline.
   */
  readonly perDomainAggregate?: { readonly fromDomains: number; readonly headline: number };
  readonly hyperparameters: Record<string, number>;
  readonly fitSeconds: number;
  readonly observations: number;
  /** how many observations the hyperparameters were last optimised on (kept fixed while the data grows < 5%) */
  readonly optimisedOn: number;
  /** whether this fit re-optimised them */
  readonly reoptimised: boolean;
  /**
   * The transfer check (core/transfer.ts), once the target has enough runs: mean leave-one-out log density of the
   * target's runs under the model of every size and under a model of the target runs alone, and whether the first
   * is higher (the smaller sizes help predict the target).
   */
  readonly transfer?: { readonly targetRuns: number; readonly withCheap: number; readonly targetOnly: number; readonly smallerSizesHelp: boolean };
}

export interface DiagnosticView {
  readonly severity: 'error' | 'warning' | 'info';
  readonly file: string;
  readonly line: number;
  readonly key?: string;
  readonly message: string;
  readonly hint?: string;
}

/** Everything the UI shows about one study. */
export interface UnusedRunView {
  readonly runId: string;
  /** file or folder of the run, relative to the study folder */
  readonly source: string;
  /** log format, e.g. "tensorboard", "wandb" */
  readonly format: string;
  /** no-mixture | no-metrics | no-checkpoints | before-first-step | unknown-model | failed */
  readonly reason: string;
  readonly message: string;
  readonly hint?: string;
}

export interface StudySnapshot {
  readonly studyFile: string;
  readonly name: string;
  readonly domains: readonly string[];
  readonly direction: 'minimize' | 'maximize';
  readonly objectiveLabel: string;
  readonly target: { readonly model: string; readonly steps: number };
  readonly models: readonly { readonly name: string; readonly params: number }[];
  readonly trials: readonly TrialView[];
  readonly budget: BudgetView;
  readonly diagnostics: readonly DiagnosticView[];
  /** observations (run checkpoints) the model is fitted to */
  readonly observations: number;
  /** discovered runs that gave no observation, with why (each is also a diagnostic) */
  readonly unusedRuns?: readonly UnusedRunView[];
  readonly recommendation?: RecommendationView;
  readonly posterior?: PosteriorView;
  readonly suggestions?: readonly SuggestionView[];
  /** why some or all sizes were not suggested (the budget left), when that happened */
  readonly suggestionNote?: string;
  /** how trials are launched: the command (with ${config}, ${trial}, ${model}, ${steps}) and who runs it */
  readonly launch?: { readonly scheduler: 'terminal' | 'slurm'; readonly command: string };
  /** config.output of the study: launches only pass configs under its folder */
  readonly configOutput?: string;
  /** runs.include of the study, to say where MixOpt looked for a finished job's logs */
  readonly runsInclude?: readonly string[];
  readonly computedAt: string;
}
