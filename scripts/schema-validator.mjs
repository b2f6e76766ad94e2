// The study schema's validator compiled ahead of time (ajv standalone code), for the bundles: scripts/build.mjs
// puts it in place of src/study/schemaValidator.ts. The options must be that module's AJV_OPTIONS; the unit test
// test/unit/study/schemaValidator.unit.test.ts checks both give the same errors.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** CommonJS source whose module.exports is the validate function; it requires ajv's small runtime helpers. */
export function standaloneStudyValidator() {
  const Ajv = require('ajv').default;
  const standaloneCode = require('ajv/dist/standalone').default;
  const schema = JSON.parse(readFileSync(join(root, 'schemas', 'mixopt.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true } });
  return standaloneCode(ajv, ajv.compile(schema));
}

/** esbuild plugin: src/study/schemaValidator.ts becomes the precompiled validator. */
export function precompiledSchemaPlugin() {
  return {
    name: 'mixopt-precompiled-schema',
    setup(build) {
      build.onResolve({ filter: /[\\/]schemaValidator$/ }, (args) =>
        args.importer.endsWith(join('src', 'study', 'schema.ts')) ? { path: 'study-schema-validator', namespace: 'mixopt-schema' } : undefined,
      );
      build.onResolve({ filter: /^mixopt-standalone-validate$/ }, () => ({ path: 'standalone-validate', namespace: 'mixopt-schema' }));
      build.onLoad({ filter: /^study-schema-validator$/, namespace: 'mixopt-schema' }, () => ({
        contents: "import validate from 'mixopt-standalone-validate';\nexport function studySchemaValidator() { return validate; }\n",
        loader: 'js',
        resolveDir: root,
      }));
      build.onLoad({ filter: /^standalone-validate$/, namespace: 'mixopt-schema' }, () => ({ contents: standaloneStudyValidator(), loader: 'js', resolveDir: root }));
    },
  };
}
