// The compiled validator of the study schema. Run from source (tests, tsx), ajv compiles it at first use; the
// bundles (dist/worker.js, dist/cli.js, dist/extension.js) get it compiled at build time instead: scripts/build.mjs
// replaces this module by ajv's standalone code (scripts/schema-validator.mjs, same options), which saves compiling
// the schema (about 0.1 s) in every new worker and CLI process and keeps ajv's compiler out of the bundles.
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import schemaJson from '../../schemas/mixopt.schema.json';

/** strict: false: the schema carries editor-only keywords (defaultSnippets, markdownDescription) ajv does not know. */
export const AJV_OPTIONS = { allErrors: true, strict: false } as const;

export function studySchemaValidator(): ValidateFunction {
  return new Ajv(AJV_OPTIONS).compile(schemaJson);
}
