/**
 * Memory-over-time charts as SVG, drawn by Vega-Lite (compiled to Vega, rendered headless with
 * `view.toSVG()`): one line per series and a labelled horizontal rule per threshold (peak, limit, the
 * 75% and 90% alert lines). Loaded only by `measure --chart` and the evidence script: Vega is ESM and
 * heavy, so it is imported lazily.
 */
import { MIB } from '../core/quantity';

export interface ChartSeries {
  readonly name: string;
  readonly points: readonly { readonly ms: number; readonly bytes: number }[];
}

export interface ChartRule {
  readonly label: string;
  readonly bytes: number;
  /** CSS colour. @default '#555' */
  readonly color?: string;
}

export interface ChartInput {
  readonly title: string;
  readonly subtitle?: string;
  readonly series: readonly ChartSeries[];
  readonly rules?: readonly ChartRule[];
  /** @default 640 */
  readonly width?: number;
  /** @default 280 */
  readonly height?: number;
}

/** The Vega-Lite specification of a memory chart (exported for tests and for users who restyle it). */
export function memoryChartSpec(input: ChartInput): Record<string, unknown> {
  const points = input.series.flatMap((series) =>
    series.points.map((point) => ({ series: series.name, seconds: point.ms / 1000, mib: Math.round((point.bytes / MIB) * 10) / 10 })),
  );
  const rules = (input.rules ?? []).map((rule) => ({
    label: `${rule.label} ${Math.round(rule.bytes / MIB)}Mi`,
    mib: Math.round((rule.bytes / MIB) * 10) / 10,
    color: rule.color ?? '#555555',
  }));
  const layers: Record<string, unknown>[] = [
    {
      data: { values: points },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: { field: 'seconds', type: 'quantitative', title: 'seconds since start' },
        y: { field: 'mib', type: 'quantitative', title: 'memory (MiB)' },
        color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 0 } },
      },
    },
  ];
  if (rules.length > 0) {
    layers.push(
      {
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'mib', type: 'quantitative' }, color: { field: 'color', type: 'nominal', scale: null } },
      },
      {
        data: { values: rules },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -2, fontSize: 11 },
        encoding: {
          x: { value: 0 },
          y: { field: 'mib', type: 'quantitative' },
          text: { field: 'label', type: 'nominal' },
          color: { field: 'color', type: 'nominal', scale: null },
        },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.subtitle ? { text: input.title, subtitle: input.subtitle } : input.title,
    width: input.width ?? 640,
    height: input.height ?? 280,
    background: 'white',
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  };
}

/** Render a memory chart to an SVG document. */
export async function renderMemoryChart(input: ChartInput): Promise<string> {
  // vega and vega-lite are optional peer dependencies: only --chart needs them.
  const [vegaLite, vega] = await Promise.all([import('vega-lite'), import('vega')]).catch(() => {
    throw new Error('--chart needs the charting libraries: npm install vega vega-lite');
  });
  const compiled = vegaLite.compile(memoryChartSpec(input) as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
