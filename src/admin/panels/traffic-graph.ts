import type { Widgets } from 'blessed';
import type { DashboardModel } from '../model.js';
import { RateChart } from './rate-chart.js';

/**
 * Frames per second through the relay over the last 2 minutes: what it forwarded, and
 * what it received split by message kind. (The stats contract counts kinds on the receive side only; each
 * received frame is forwarded to every other station, so forwarded ≈ received × (N−1).)
 */
export class TrafficGraph {
  private readonly chart: RateChart;

  constructor(parent: Widgets.Node) {
    this.chart = new RateChart(parent, 'Traffic/s', [
      { field: 'forwarded', title: 'fwd', short: 'f', color: 'cyan' },
      { field: 'received', title: 'rx', short: 'r', color: 'white' },
      { field: 'voice', title: 'voice', short: 'v', color: 'green' },
      { field: 'text', title: 'text', short: 't', color: 'yellow' },
      { field: 'control', title: 'ctl', short: 'c', color: 'magenta' },
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
