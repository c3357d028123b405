import type { Widgets } from 'blessed';
import type contrib from 'blessed-contrib';
import type { DashboardModel } from '../model.js';
import { RateChart } from './rate-chart.js';

/**
 * Frames per second through the relay over the last 2 minutes: what it forwarded, and
 * what it received split by message kind. (The stats contract counts kinds on the receive side only; each
 * received frame is forwarded to every other station, so forwarded ≈ received × (N−1).)
 */
export class TrafficGraph {
  private readonly chart: RateChart;

  constructor(grid: contrib.Grid, at: [number, number, number, number]) {
    this.chart = new RateChart(grid, at, 'Traffic/s', [
      { field: 'forwarded', title: 'fwd', color: 'cyan' },
      { field: 'received', title: 'rx', color: 'white' },
      { field: 'voice', title: 'voice', color: 'green' },
      { field: 'text', title: 'text', color: 'yellow' },
      { field: 'control', title: 'ctl', color: 'magenta' },
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
