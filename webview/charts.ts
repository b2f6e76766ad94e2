// Chart.js set-up and the theme colours charts use, for the panels that draw charts (Posterior, Budget). Kept out
// of shared.ts so the Next trial panel, which draws none, does not load Chart.js (380 KB of its bundle).
import type { ChartConfiguration } from 'chart.js';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { el } from './shared';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip);

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export interface Theme {
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly series: readonly string[];
  readonly red: string;
  readonly green: string;
  readonly font: string;
}

export function theme(): Theme {
  return {
    foreground: cssVar('--vscode-foreground', '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#999999'),
    grid: cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-yellow', '#cca700'),
      cssVar('--vscode-charts-red', '#f14c4c'),
    ],
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}

/** Colour with alpha, for bands and fills (works for #rgb, #rrggbb and rgb()). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (hex) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join('') : hex[1]!;
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/.exec(color.trim());
  if (rgb) {
    const [r, g, b] = rgb[1]!.split(',').map((x) => x.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

type AnyChart = Chart<'line' | 'bar' | 'scatter'>;
const charts = new Map<string, AnyChart>();

/**
 * A chart in a fresh canvas with the given id (replacing the previous chart of that id). `points` is the number
 * of data points plotted, kept on the canvas as data-points so tests and screen readers can tell it has data.
 */
export function chart(id: string, config: ChartConfiguration<'line' | 'bar' | 'scatter'>, points: number, label: string, height = 260): HTMLElement {
  charts.get(id)?.destroy();
  const canvas = el('canvas', { id, 'data-points': points, role: 'img', 'aria-label': label });
  const box = el('div', { class: 'chart', style: `height:${height}px` }, canvas);
  const t = theme();
  Chart.defaults.color = t.muted;
  Chart.defaults.borderColor = withAlpha(t.grid, 0.6);
  Chart.defaults.font.family = t.font;
  // the canvas must be in the document before Chart.js measures it
  queueMicrotask(() => {
    if (!canvas.isConnected) return;
    charts.set(id, new Chart(canvas, { ...config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options } }));
  });
  return box;
}
