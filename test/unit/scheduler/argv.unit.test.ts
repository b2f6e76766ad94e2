// Launch commands without a shell (issue 12 #7): paths stay one argument whatever they contain, nothing in them
// runs, and only configs MixOpt wrote (under config.output's folder) are passed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLaunchArgv, checkGeneratedConfig, displayCommandLine, splitLaunchTemplate } from '../../../src/scheduler/argv';

const vars = (config: string) => ({ config, trial: 't-1', model: '60M', steps: '2000' });

describe('launch argv', () => {
  test('placeholders become whole arguments; quotes and backslashes in the template are read as a shell would', () => {
    const r = buildLaunchArgv(`sbatch --job-name="mixopt \${trial}" scripts/train.sh \${config} --steps=\${steps} '\${model}'`, vars('configs/generated/t-1.yaml'));
    assert.deepEqual(r, { argv: ['sbatch', '--job-name=mixopt t-1', 'scripts/train.sh', 'configs/generated/t-1.yaml', '--steps=2000', '60M'] });
  });

  test('a path with spaces, quotes, $(…) and backticks stays one argument, even inside the user\'s own quotes', () => {
    const nasty = `configs/generated/a b'c"d$(touch pwned)\`touch pwned2\`.yaml`;
    for (const template of ['run.sh ${config}', 'run.sh "${config}"', "run.sh '${config}'", 'run.sh --config=${config}']) {
      const r = buildLaunchArgv(template, vars(nasty));
      assert.ok('argv' in r, template);
      assert.equal(r.argv.length, 2, template);
      assert.equal(r.argv[1]!.endsWith(nasty), true, `${template}: ${r.argv[1]}`);
    }
  });

  test('run for real: the program receives the path byte for byte and nothing in it is executed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-argv-'));
    const nasty = join(dir, `x $(touch ${join(dir, 'pwned')}) \`touch ${join(dir, 'pwned2')}\` 'q".yaml`);
    const out = join(dir, 'args.txt');
    writeFileSync(join(dir, 'show.sh'), `#!/bin/sh\nprintf '%s\\n' "$#" "$1" > '${out}'\n`);
    const r = buildLaunchArgv(`sh ${join(dir, 'show.sh')} \${config}`, vars(nasty));
    assert.ok('argv' in r);
    execFileSync(r.argv[0]!, r.argv.slice(1));
    assert.equal(readFileSync(out, 'utf8'), `1\n${nasty}\n`);
    assert.equal(existsSync(join(dir, 'pwned')), false);
    assert.equal(existsSync(join(dir, 'pwned2')), false);
    // the terminal launcher's line, run by a real shell, passes the same single argument and runs nothing
    execFileSync('sh', ['-c', displayCommandLine(r.argv)]);
    assert.equal(readFileSync(out, 'utf8'), `1\n${nasty}\n`);
    assert.equal(existsSync(join(dir, 'pwned')), false);
    rmSync(dir, { recursive: true, force: true });
  });

  test('pipes, redirections, ; and && are refused with the fix; a glob too', () => {
    for (const bad of ['sbatch a.sh ${config} | tee log', 'a.sh > out', 'a.sh; rm x', 'a && b', 'run $(date)', 'rm *.yaml']) {
      const r = splitLaunchTemplate(bad);
      assert.ok('error' in r, bad);
      assert.match(r.error, /script/, bad);
    }
    assert.deepEqual(splitLaunchTemplate('  '), { error: 'the launch command is empty' });
  });

  test('environment variables other than the placeholders come from the given environment', () => {
    assert.deepEqual(buildLaunchArgv('$HOME/train.sh ${config}', vars('c.yaml'), { HOME: '/home/u' }), { argv: ['/home/u/train.sh', 'c.yaml'] });
    assert.deepEqual(buildLaunchArgv('sbatch a.sh # a comment ${config}', vars('c.yaml')), { argv: ['sbatch', 'a.sh'] });
  });

  test('a value is not re-read: a config path containing ${trial} stays literal', () => {
    assert.deepEqual(buildLaunchArgv('a ${config}', vars('configs/generated/${trial}.yaml')), { argv: ['a', 'configs/generated/${trial}.yaml'] });
  });
});

describe('only configs MixOpt wrote are launched', () => {
  const study = '/work/s/pile.mixopt.yaml';
  test('a config under the fixed part of config.output is accepted', () => {
    assert.deepEqual(checkGeneratedConfig(study, 'configs/generated/{trial}.yaml', 'configs/generated/t-1.yaml'), { path: '/work/s/configs/generated/t-1.yaml' });
    assert.deepEqual(checkGeneratedConfig(study, 'configs/generated/{model}/{trial}.yaml', 'configs/generated/60M/t-1.yaml'), { path: '/work/s/configs/generated/60M/t-1.yaml' });
    assert.deepEqual(checkGeneratedConfig(study, 'gen-{trial}.yaml', 'gen-t-1.yaml'), { path: '/work/s/gen-t-1.yaml' });
  });
  test('with the trial id, the file must be the one config.output names for that trial', () => {
    assert.ok('path' in checkGeneratedConfig(study, 'configs/generated/{model}/{trial}.yaml', 'configs/generated/60M/t-1.yaml', 't-1'));
    assert.ok('path' in checkGeneratedConfig(study, 'gen-{trial}.yaml', 'gen-t-1.yaml', 't-1'));
    for (const bad of ['gen-t-2.yaml', 'pile.mixopt.yaml', 'configs/base.yaml', 'gen-t-1.yaml.bak']) {
      const r = checkGeneratedConfig(study, 'gen-{trial}.yaml', bad, 't-1');
      assert.ok('error' in r, bad);
    }
    assert.ok('error' in checkGeneratedConfig(study, 'configs/generated/{model}/{trial}.yaml', 'configs/generated/60M/x/t-1.yaml', 't-1'));
  });
  test('a ledger config that climbs out, is absolute elsewhere, or points at the template is refused', () => {
    for (const bad of ['../../etc/passwd', '/etc/passwd', 'configs/base.yaml', 'configs/generated/../../x.yaml', 'configs/generated', 'configs/generated/a\0b']) {
      const r = checkGeneratedConfig(study, 'configs/generated/{trial}.yaml', bad);
      assert.ok('error' in r, bad);
      assert.match(r.error, /MixOpt only launches configs it wrote/, bad);
    }
  });
});

describe('the command line shown and sent to a terminal', () => {
  test('plain words stay as they are; anything else is single-quoted', () => {
    assert.equal(displayCommandLine(['sbatch', '--begin=now+5', 'a b', "it's", '']), `sbatch --begin=now+5 'a b' 'it'\\''s' ''`);
  });
});
