// The panels follow the VS Code theme: in a dark and a high-contrast theme the budget panel's background and
// text come from the theme (dark background, light text) and its charts still plot data.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleWorkspace, openVsCode } from '../helpers/codeServer';

const luminance = (css: string): number => {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (!m) return Number.NaN;
  const [r, g, b] = [m[1], m[2], m[3]].map((x) => Number(x) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

describe('panels follow the theme', { timeout: 10 * 60_000 }, () => {
  for (const [theme, name] of [
    ['Default Dark Modern', 'budget-dark'],
    ['Default High Contrast', 'budget-high-contrast'],
  ] as const) {
    test(`${theme}: dark background, light text, charts with data`, async (t) => {
      const vs = await openVsCode(exampleWorkspace(), { settings: { 'workbench.colorTheme': theme } });
      try {
        await vs.runCommand('MixOpt: Show budget');
        const frame = await vs.waitForWebview('#budget-chart[data-points]', 120_000);
        const colors = await frame.evaluate<[string, string, string]>(`(() => { const s = getComputedStyle(document.body); return [s.backgroundColor, s.color, document.body.className]; })()`);
        assert.ok(luminance(colors[0]) < 0.25, `background ${colors[0]} is dark (${colors[2]})`);
        assert.ok(luminance(colors[1]) > 0.6, `text ${colors[1]} is light`);
        const points = Number(await frame.getAttribute('#budget-chart', 'data-points'));
        assert.ok(points > 0, 'the chart plots data');
        console.log(`[e2e] screenshot ${await vs.screenshot(name)}`);
      } catch (e) {
        t.diagnostic(vs.logs());
        throw e;
      } finally {
        await vs.close();
      }
    });
  }
});
