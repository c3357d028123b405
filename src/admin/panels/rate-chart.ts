import type { Widgets } from 'blessed';
import type contrib from 'blessed-contrib';
import line from 'blessed-contrib/lib/widget/charts/line.js';
import type { DashboardModel, RateField } from '../model.js';

/**
 * A line chart of some of the model's per-second rates over a fixed window, the
 * missing past drawn as zero so the axis never jumps and new samples scroll in from
 * the right. Shared by the traffic and the error graphs.
 */

export interface ChartLine {
  field: RateField;
  title: string;
  /** For a narrow chart's legend. */
  short: string;
  color: string;
}

/** Points across the chart: 2 minutes of 1-second snapshots. */
export const CHART_POINTS = 120;

/** The last `points` values, left-padded with zeros. */
export function windowed(values: number[], points = CHART_POINTS): number[] {
  const tail = values.slice(-points);
  return [...new Array<number>(points - tail.length).fill(0), ...tail];
}

/** X labels: seconds before the newest sample ("-119s" … "0s"). */
export function xLabels(points = CHART_POINTS): string[] {
  return Array.from({ length: points }, (_, i) => `${i - points + 1}s`);
}

/** A y-axis top with 20 % headroom; 1 when everything is zero (contrib divides by it). */
export function chartMax(series: number[][]): number {
  const max = Math.max(0, ...series.flat());
  return max > 0 ? max * 1.2 : 1;
}

/**
 * The chart's title with its legend, short enough for the top border of a chart
 * `width` columns wide (inside the corners and the spaces around it): full names,
 * else short ones, else the title alone — it never wraps into the plot.
 */
export function legendLabel(title: string, lines: readonly ChartLine[], width: number): { text: string; tagged: string } {
  const room = width - 4;
  for (const pick of [(l: ChartLine) => l.title, (l: ChartLine) => l.short] as const) {
    const text = `${title}: ${lines.map(pick).join(' ')}`;
    if ([...text].length <= room) {
      return { text, tagged: `${title}: ${lines.map((l) => `{${l.color}-fg}${pick(l)}{/${l.color}-fg}`).join(' ')}` };
    }
  }
  const alone = [...title].slice(0, Math.max(1, room)).join('');
  return { text: alone, tagged: alone };
}

export class RateChart {
  readonly chart: contrib.LineElement;
  private readonly labels = xLabels();

  constructor(
    parent: Widgets.Node,
    private readonly title: string,
    private readonly lines: ChartLine[],
  ) {
    // The legend rides in the label: contrib's legend box covers the curves of a short chart.
    this.chart = line({
      border: { type: 'line' },
      label: ` ${title} `,
      tags: true,
      showLegend: false,
      xLabelPadding: 3,
      xPadding: 5,
      showNthLabel: 30,
      wholeNumbersOnly: false,
      style: { line: 'yellow', text: 'green', baseline: 'cyan' },
    });
    // Appended after construction: contrib makes its canvas on 'attach', which a parent given in the options fires too early.
    parent.append(this.chart);
  }

  /** contrib sizes its canvas once, on attach: redo that (and the legend) at a new size. */
  resize(): void {
    this.chart.emit('attach');
    this.chart.setLabel(` ${legendLabel(this.title, this.lines, Number(this.chart.width)).tagged} `);
  }

  update(model: DashboardModel): void {
    const ys = this.lines.map((l) => windowed(model.series(l.field)));
    this.chart.options.maxY = chartMax(ys);
    this.chart.setData(this.lines.map((l, i) => ({ title: l.title, x: this.labels, y: ys[i]!, style: { line: l.color } })));
  }
}
