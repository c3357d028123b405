import type { Widgets } from 'blessed';
import type { DashboardModel } from '../model.js';
import { RateChart } from './rate-chart.js';

/** Dropped traffic per second over the last 2 minutes: undecodable datagrams and frames over a source's rate limit. */
export class ErrorsGraph {
  private readonly chart: RateChart;

  constructor(parent: Widgets.Node) {
    this.chart = new RateChart(parent, 'Errors/s', [
      { field: 'decodeErrors', title: 'undecodable', short: 'bad', color: 'red' },
      { field: 'rateLimited', title: 'rate-limited', short: 'limited', color: 'yellow' },
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
