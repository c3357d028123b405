import contrib from 'blessed-contrib';
import type { DashboardModel, RateField } from '../model.js';

/**
 * A line chart of some of the model's per-second rates over a fixed window, the
 * missing past drawn as zero so the axis never jumps and new samples scroll in from
 * the right. Shared by the traffic and the error graphs.
 */

export interface ChartLine {
  field: RateField;
  title: string;
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

export class RateChart {
  readonly chart: contrib.LineElement;
  private readonly labels = xLabels();

  constructor(
    grid: contrib.Grid,
    at: [row: number, col: number, rowSpan: number, colSpan: number],
    label: string,
    private readonly lines: ChartLine[],
  ) {
    // The legend rides in the label: contrib's legend box needs more lines than a
    // chart has on an 80×24 terminal, and there it would cover the curves.
    const legend = lines.map((l) => `{${l.color}-fg}${l.title}{/${l.color}-fg}`).join(' ');
    this.chart = grid.set(...at, contrib.line, {
      label: ` ${label}: ${legend} `,
      tags: true,
      showLegend: false,
      xLabelPadding: 3,
      xPadding: 5,
      showNthLabel: 30,
      wholeNumbersOnly: false,
      style: { line: 'yellow', text: 'green', baseline: 'cyan' },
    });
  }

  /** contrib sizes its canvas once, on attach: redo that after the terminal is resized. */
  resize(): void {
    this.chart.emit('attach');
  }

  update(model: DashboardModel): void {
    const ys = this.lines.map((l) => windowed(model.series(l.field)));
    this.chart.options.maxY = chartMax(ys);
    this.chart.setData(this.lines.map((l, i) => ({ title: l.title, x: this.labels, y: ys[i]!, style: { line: l.color } })));
  }
}
