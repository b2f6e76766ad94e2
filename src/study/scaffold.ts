// "New study" (the extension's command and `mixopt init`): find what a study file needs in the workspace's
// training configs (the mixture key and its domains, model and steps keys) and write a study from it plus the
// user's few answers. Pure: the callers gather the files and ask the questions.
import { parseDocument, isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';

export interface MixtureFound {
  /** config file the mixture was found in */
  readonly file: string;
  /** dotted key of the mixture, e.g. data.mixture */
  readonly key: string;
  readonly domains: readonly string[];
  readonly weights: readonly number[];
  readonly modelKey?: string;
  readonly stepsKey?: string;
  /** the value at stepsKey when it is a number: the steps a run of this config trains for */
  readonly steps?: number;
}

const MODEL_KEYS = ['model.name', 'model_name', 'model.size', 'model', 'model_size'];
const STEPS_KEYS = ['trainer.max_steps', 'max_steps', 'train.max_steps', 'training.max_steps', 'train_steps', 'max_duration'];

function scalarKeys(node: Node | null, prefix: string, out: Map<string, unknown>, depth = 0): void {
  if (depth > 8 || !isMap(node)) return;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const value = pair.value as Node | null;
    if (isScalar(value)) out.set(path, value.value);
    else if (isMap(value)) {
      out.set(path, value);
      scalarKeys(value, path, out, depth + 1);
    } else if (isSeq(value)) out.set(path, value);
  }
}

/** A map of at least two names to non-negative numbers that sum to 1 within 5% is taken as a mixture. */
function asMixture(node: unknown): { domains: string[]; weights: number[] } | undefined {
  if (isMap(node)) {
    const domains: string[] = [];
    const weights: number[] = [];
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !isScalar(pair.value) || typeof pair.value.value !== 'number') return undefined;
      domains.push(String(pair.key.value));
      weights.push(pair.value.value);
    }
    return plausible(domains, weights);
  }
  if (isSeq(node)) {
    // list of {name, weight} (llm-foundry / OLMo style)
    const domains: string[] = [];
    const weights: number[] = [];
    for (const item of node.items) {
      if (!isMap(item)) return undefined;
      const name = item.get('name');
      const weight = item.get('weight') ?? item.get('proportion');
      if (typeof name !== 'string' || typeof weight !== 'number') return undefined;
      domains.push(name);
      weights.push(weight);
    }
    return plausible(domains, weights);
  }
  return undefined;
}

function plausible(domains: string[], weights: number[]): { domains: string[]; weights: number[] } | undefined {
  if (domains.length < 2 || weights.some((w) => !Number.isFinite(w) || w < 0)) return undefined;
  const total = weights.reduce((a, b) => a + b, 0);
  return Math.abs(total - 1) <= 0.05 ? { domains, weights } : undefined;
}

/** Mixtures in the given YAML config files, best candidates first (more domains first). */
export function findMixtures(files: readonly { path: string; text: string }[]): MixtureFound[] {
  const found: MixtureFound[] = [];
  for (const f of files) {
    let doc;
    try {
      doc = parseDocument(f.text);
    } catch {
      continue;
    }
    if (doc.errors.length > 0) continue;
    const keys = new Map<string, unknown>();
    scalarKeys(doc.contents, '', keys);
    const modelKey = MODEL_KEYS.find((k) => typeof keys.get(k) === 'string' || typeof keys.get(k) === 'number');
    const stepsKey = STEPS_KEYS.find((k) => keys.has(k) && (typeof keys.get(k) === 'number' || typeof keys.get(k) === 'string'));
    const stepsValue = stepsKey !== undefined ? keys.get(stepsKey) : undefined;
    const steps = typeof stepsValue === 'number' && Number.isInteger(stepsValue) && stepsValue > 0 ? stepsValue : undefined;
    for (const [key, value] of keys) {
      const m = asMixture(value);
      if (m) found.push({ file: f.path, key, domains: m.domains, weights: m.weights, ...(modelKey ? { modelKey } : {}), ...(stepsKey ? { stepsKey } : {}), ...(steps ? { steps } : {}) });
    }
  }
  return found.sort((a, b) => b.domains.length - a.domains.length || a.file.localeCompare(b.file));
}

export interface StudyAnswers {
  readonly name: string;
  readonly domains: readonly string[];
  readonly metrics: readonly string[];
  readonly models: readonly { readonly name: string; readonly params: number }[];
  readonly targetModel: string;
  readonly targetSteps?: number;
  readonly budgetTargetRuns: number;
  readonly runsInclude: readonly string[];
  readonly template?: string;
  readonly mixtureKey?: string;
  readonly modelKey?: string;
  readonly stepsKey?: string;
  /** who wrote it, for the header comment (default "MixOpt: New study") */
  readonly writtenBy?: string;
}

const yamlList = (xs: readonly string[]): string => `[${xs.map((x) => (/^[A-Za-z0-9_./-]+$/.test(x) ? x : JSON.stringify(x))).join(', ')}]`;

/**
 * Whether a workspace-relative path lies inside a run's output (a W&B run's files/config.yaml, a Lightning
 * version_N/hparams.yaml, an HF checkpoint, an MLflow run, a Hydra output folder): such a config is what one run
 * used, not a template to write new trials from. By folder names; `isRunFolder` may add a check of the folders
 * themselves (the CLI passes one that looks at their marker files).
 */
export function insideRunFolder(relPath: string, isRunFolder?: (relDir: string) => boolean): boolean {
  const parts = relPath.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  parts.pop();
  const named = /^(wandb|mlruns|lightning_logs|tb_logs|outputs|multirun|(offline-)?run-.+|version_\d+|checkpoint-\d+|events\.out\.tfevents\..*)$/;
  if (parts.some((p) => named.test(p))) return true;
  if (!isRunFolder) return false;
  for (let i = 1; i <= parts.length; i++) if (isRunFolder(parts.slice(0, i).join('/'))) return true;
  return false;
}

/** Parses "60M=6e7, 1B=1e9" (or "60M, 1B") into models, in the order given; undefined when a part does not parse. */
export function parseModels(text: string): { name: string; params: number }[] | undefined {
  const models: { name: string; params: number }[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, paramsText] = part.includes('=') ? part.split('=').map((x) => x.trim()) : [part, part];
    const params = parseParams(paramsText ?? '');
    if (!name || params === undefined) return undefined;
    models.push({ name, params });
  }
  return models.length > 0 ? models : undefined;
}

/** Parses "1B", "60M", "125m", "7e9" into a parameter count. */
export function parseParams(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kKmMbBtT]?)\s*$/.exec(text);
  if (!m) return undefined;
  const scale: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 };
  const value = Number(m[1]) * (scale[(m[2] ?? '').toLowerCase()] ?? 1);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The text of a new study file, commented so the user knows what to edit. */
export function studyYaml(a: StudyAnswers): string {
  const targetParams = a.models.find((m) => m.name === a.targetModel)?.params ?? Math.max(...a.models.map((m) => m.params));
  const lines = [
    `# MixOpt study written by ${a.writtenBy ?? '"MixOpt: New study"'}. Edit freely; the Problems panel checks it as you type.`,
    `name: ${a.name}`,
    `domains: ${yamlList(a.domains)}`,
    'objective:',
    `  metrics: ${yamlList(a.metrics)}`,
    '  aggregate: mean',
    '  direction: minimize',
    'fidelities:',
    '  models:',
    ...a.models.map((m) => `    - {name: ${m.name}, params: ${m.params.toExponential().replace('e+', 'e')}}`),
    `  target: {model: ${a.targetModel}${a.targetSteps ? `, steps: ${a.targetSteps}` : ''}}`,
    '# Cost of a run in proportion to its model size (one target run = 1); for 6ND FLOPs use',
    '# cost: {kind: flops, tokens_per_step: <tokens per optimiser step>}.',
    'cost:',
    '  kind: table',
    `  table: {${a.models.map((m) => `${m.name}: ${Number((m.params / targetParams).toPrecision(3))}`).join(', ')}}`,
    `budget: {total: ${a.budgetTargetRuns}, unit: target_runs}`,
    'runs:',
    `  include: [${a.runsInclude.map((x) => JSON.stringify(x)).join(', ')}]`,
  ];
  if (a.template && a.mixtureKey) {
    const outDir = a.template.includes('/') ? a.template.slice(0, a.template.lastIndexOf('/')) : '.';
    lines.push(
      'config:',
      `  template: ${a.template}`,
      `  output: ${outDir}/generated/{trial}.yaml`,
      `  mixture_key: ${a.mixtureKey}`,
      ...(a.modelKey ? [`  model_key: ${a.modelKey}`] : []),
      ...(a.stepsKey ? [`  steps_key: ${a.stepsKey}`] : []),
    );
  }
  lines.push('optimizer: {acquisition: auto, batch: 1}', '');
  return lines.join('\n');
}
