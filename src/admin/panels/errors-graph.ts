import type { Widgets } from 'blessed';
import type contrib from 'blessed-contrib';
import type { DashboardModel } from '../model.js';
import { RateChart } from './rate-chart.js';

/** Dropped traffic per second over the last 2 minutes: undecodable datagrams and frames over a source's rate limit. */
export class ErrorsGraph {
  private readonly chart: RateChart;

  constructor(grid: contrib.Grid, at: [number, number, number, number]) {
    this.chart = new RateChart(grid, at, 'Errors/s', [
      { field: 'decodeErrors', title: 'undecodable', color: 'red' },
      { field: 'rateLimited', title: 'rate-limited', color: 'yellow' },
    ]);
  }

  update(model: DashboardModel): void {
    this.chart.update(model);
  }

  get element(): Widgets.BoxElement {
    return this.chart.chart;
  }

  resize(): void {
    this.chart.resize();
  }
}
