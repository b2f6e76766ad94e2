// What a user does, in a real VS Code (code-server + Chromium): open the example study, ask for the next
// mixture, accept it, and look at the posterior and budget panels.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { exampleWorkspace, openVsCode } from '../helpers/codeServer';
import type { VsCodeSession } from '../helpers/codeServer';

/** What the in-browser callbacks read of an element (test/ compiles without the DOM library). */
interface DomElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
}

const STUDY_DOMAINS = [
  'arxiv', 'freelaw', 'nih_exporter', 'pubmed_central', 'wikipedia_en', 'dm_mathematics', 'github', 'philpapers',
  'stackexchange', 'enron_emails', 'gutenberg_pg_19', 'pile_cc', 'ubuntu_irc', 'europarl', 'hackernews',
  'pubmed_abstracts', 'uspto_backgrounds',
];

describe('user flow on the RegMix example in a real VS Code', { timeout: 15 * 60_000 }, () => {
  let vs: VsCodeSession;
  const started = Date.now();
  before(async () => {
    vs = await openVsCode(exampleWorkspace());
  });
  after(async () => {
    console.log(`[e2e] user flow took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await vs?.close();
  });

  let suggestedMixture: Record<string, number> = {};
  let suggestedModel = '';

  test('Suggest next mixture shows a mixture over the study domains, a model size and a prediction', async (t) => {
    try {
      const asked = Date.now();
      await vs.runCommand('MixOpt: Suggest next mixture');
      const entered = Date.now();
      const frame = await vs.waitForWebview('#suggested-mixture [data-domain]', 240_000, 100);
      const shown = Date.now();
      // issue 10's target: the first suggestion after opening the workspace within 4 s of the command (asked as soon
      // as openVsCode returns: 3 s after the status bar appeared)
      console.log(`[e2e] first suggestion ${((shown - entered) / 1000).toFixed(1)} s after the command (${((shown - asked) / 1000).toFixed(1)} s with the command palette)`);
      // where the time went: the extension host's start (code-server starts it only after the window has loaded, often
      // after the command), MixOpt's activation and each analysis, from the extension host's and MixOpt's logs; the
      // activation line says when the bundle began to evaluate (a log line's own stamp can lag behind its event)
      const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
      // both logs stamp their lines 'YYYY-MM-DD hh:mm:ss.mmm', so sorting the lines puts the two in time order
      const timeline = vs.logs().split('\n').filter((line) => /Extension host with pid|_doActivateExtension mixopt|activated in|fit \+ analysis|background fit/.test(line)).sort();
      console.log(`[e2e] command ${clock(entered)}, shown ${clock(shown)}; extension host and MixOpt logs:\n${timeline.map((line) => `[e2e]   ${line.slice(11, 23)} ${line.replace(/^.*\[info\] /, '')}`).join('\n')}`);
      // the callback runs in the browser; this project's test tsconfig has no DOM types, so the element is typed here
      const rows = await frame.$$eval('#suggested-mixture [data-domain]', (els: readonly DomElement[]) =>
        els.map((e) => [e.getAttribute('data-domain') ?? '', Number(e.getAttribute('data-weight'))] as const),
      );
      suggestedMixture = Object.fromEntries(rows);
      assert.deepEqual(Object.keys(suggestedMixture).sort(), [...STUDY_DOMAINS].sort());
      const total = Object.values(suggestedMixture).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-6, `weights sum to ${total}`);
      assert.ok(Object.values(suggestedMixture).every((w) => w >= 0 && w <= 1));
      assert.ok(suggestedMixture['github']! <= 0.3 + 1e-9, 'the study bounds github to at most 0.3');
      suggestedModel = ((await frame.textContent('#model-size')) ?? '').trim();
      assert.match(suggestedModel, /\b(1M|60M|1B)\b/);
      const predicted = ((await frame.textContent('#predicted-value')) ?? '').trim();
      assert.match(predicted, /\d+\.\d+/, `predicted value shown: "${predicted}"`);
      // the example's recommended mixture has no 1B run, so the first 1B run measures it; the card says so and shows
      // no acquisition score (engine.ts recommendationFirst)
      const chosen = ((await frame.textContent('#acquisition')) ?? '').trim();
      if (suggestedModel.includes('1B')) assert.equal(chosen, 'Recommended mixture');
      else assert.match(chosen, /^(MES|UCB|LOGEI|EI-PER-COST) -?\d/, `acquisition shown: "${chosen}"`);
      console.log(`[e2e] screenshot ${await vs.screenshot('next-trial')}`);
    } catch (e) {
      t.diagnostic(vs.logs());
      throw e;
    }
  });

  test('Accept writes the config with the mixture at data.mixture, keeps comments, and records the trial', async (t) => {
    try {
      const frame = await vs.waitForWebview('#accept-button');
      await frame.click('#accept-button');
      const generated = join(vs.workspace, 'configs', 'generated');
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(existsSync(generated) && readdirSync(generated).some((f) => f.endsWith('.yaml')))) {
        await vs.page.waitForTimeout(500);
      }
      const files = existsSync(generated) ? readdirSync(generated).filter((f) => f.endsWith('.yaml')) : [];
      assert.equal(files.length, 1, `one generated config, found ${files.join(', ')}`);
      const text = readFileSync(join(generated, files[0]!), 'utf8');
      const config = parse(text) as { data: { mixture: Record<string, number> }; model: { name: string } };
      for (const d of STUDY_DOMAINS) assert.ok(Math.abs((config.data.mixture[d] ?? -1) - suggestedMixture[d]!) < 1e-5, `weight of ${d}`);
      assert.ok(suggestedModel.includes(config.model.name), `model ${config.model.name} written`);
      assert.match(text, /# Sampling weight of each Pile domain; must sum to 1\./, 'template comment kept');
      assert.match(text, /lr: 6\.0e-4 +# tuned on the 60M model/, 'inline comment and number format kept');
      assert.equal(parseDocument(text).errors.length, 0);

      const ledger = readFileSync(join(vs.workspace, '.mixopt', 'ledger.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; trial: string; config?: string });
      const accepted = ledger.filter((e) => e.event === 'accepted');
      assert.equal(accepted.length, 1);
      assert.ok(files[0]!.includes(accepted[0]!.trial), 'config named after the trial');

      // The trials tree shows it pending.
      await vs.runCommand('MixOpt: Refresh runs');
      const tree = vs.page.locator('.monaco-list-row[role="treeitem"]', { hasText: accepted[0]!.trial });
      await tree.first().waitFor({ state: 'visible', timeout: 60_000 });
      // the row may still show the trial as suggested until the tree has re-read the ledger
      let rowText = '';
      for (const until = Date.now() + 60_000; Date.now() < until; await vs.page.waitForTimeout(500)) {
        rowText = (await tree.first().textContent()) ?? '';
        if (/pending/i.test(rowText)) break;
      }
      assert.match(rowText, /pending/i, `tree row: ${rowText}`);
      console.log(`[e2e] screenshot ${await vs.screenshot('trials-tree')}`);
    } catch (e) {
      t.diagnostic(`screenshot of the failure: ${await vs.screenshot('accept-failure')}`);
      t.diagnostic(vs.logs());
      throw e;
    }
  });

  for (const [command, name, charts] of [
    ['MixOpt: Show posterior', 'posterior', ['#slices-chart', '#loo-chart']],
    ['MixOpt: Show budget', 'budget', ['#budget-chart', '#best-chart']],
  ] as const) {
    test(`${command} renders charts with data`, async (t) => {
      try {
        await vs.runCommand(command);
        const frame = await vs.waitForWebview(charts[0], 240_000);
        for (const id of charts) {
          // the webview may still be laid out (hidden, 0x0) for a moment after it reports ready
          let size: [number, number, string | null] = [0, 0, null];
          for (const until = Date.now() + 15_000; Date.now() < until; await vs.page.waitForTimeout(250)) {
            size = await frame.$eval(id, (c: DomElement): [number, number, string | null] => {
              const r = c.getBoundingClientRect();
              return [r.width, r.height, c.getAttribute('data-points')];
            });
            if (size[0] > 50 && size[1] > 50) break;
          }
          assert.ok(size[0] > 50 && size[1] > 50, `${id} has a size (${size[0]}x${size[1]})`);
          assert.ok(Number(size[2]) > 0, `${id} plots data (data-points=${size[2]})`);
        }
        console.log(`[e2e] screenshot ${await vs.screenshot(name)}`);
        if (name === 'budget') {
          // the example's cost is a table: the panel says the spent budget uses the study's nominal costs, and why
          const source = ((await frame.textContent('#budget-cost-source')) ?? '').trim();
          assert.match(source, /^Costs: nominal costs \(each model's cost per run from the study\): cost\.kind is table/, `cost source shown: "${source}"`);
          assert.equal(await frame.getAttribute('#budget-cost-source', 'data-source'), 'nominal');
        }
        if (name === 'posterior') {
          // the lower half: rank agreement, domain importance and the per-domain table
          assert.ok((await frame.$$('#per-domain tbody tr')).length > 0, 'per-domain metrics listed');
          await frame.evaluate(`document.querySelector('#per-domain').scrollIntoView({ block: 'end' })`);
          console.log(`[e2e] screenshot ${await vs.screenshot('posterior-lower')}`);
        }
      } catch (e) {
        t.diagnostic(vs.logs());
        throw e;
      }
    });
  }

  test('after a window reload the panels come back with their data', async (t) => {
    try {
      await vs.runCommand('Developer: Reload Window');
      await vs.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
      const frame = await vs.waitForWebview('#budget-chart', 120_000);
      const points = Number(await frame.getAttribute('#budget-chart', 'data-points'));
      assert.ok(points > 0, `budget chart restored with data (data-points=${points})`);
      console.log(`[e2e] screenshot ${await vs.screenshot('after-reload')}`);
    } catch (e) {
      t.diagnostic(vs.logs());
      throw e;
    }
  });
});
