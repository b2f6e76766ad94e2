// The study's JSON Schema (schemas/mixopt.schema.json, the one editors use through yamlValidation) applied by ajv to
// the parsed study. The parser's own checks speak first, with a line, a dotted key and a did-you-mean hint; a
// schema violation at a key the parser said nothing about is reported too, so the schema is enforced everywhere and
// the two cannot drift apart silently. Pure: the schema is bundled, no file is read here.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { studySchemaValidator } from './schemaValidator';

export interface SchemaProblem {
  /** path of the offending value, e.g. ['objective', 'direction'] */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= studySchemaValidator();
  return compiled;
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function describe(e: ErrorObject): { path: (string | number)[]; message: string } {
  const path = pathOf(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(params['additionalProperty'])], message: `unknown key "${String(params['additionalProperty'])}"` };
    case 'required':
      return { path, message: `missing required key "${String(params['missingProperty'])}"` };
    case 'enum':
      return { path, message: `must be one of ${(params['allowedValues'] as unknown[]).map(String).join(', ')}` };
    case 'type':
      return { path, message: `must be ${String(params['type'])}` };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

/** How specific an error is: the most specific one at a path is reported. */
const RANK: Readonly<Record<string, number>> = { additionalProperties: 5, required: 5, enum: 4, type: 2, anyOf: 1, oneOf: 1 };

/** What the schema says about a parsed study value: one problem per path, the most specific first. */
export function schemaProblems(value: unknown): SchemaProblem[] {
  const validate = validator();
  if (validate(value)) return [];
  const byPath = new Map<string, { problem: SchemaProblem; rank: number }>();
  for (const e of validate.errors ?? []) {
    const problem = describe(e);
    const key = problem.path.join('.');
    const rank = RANK[e.keyword] ?? 3;
    const known = byPath.get(key);
    if (!known || rank > known.rank) byPath.set(key, { problem, rank });
  }
  return [...byPath.values()].map((x) => x.problem);
}
