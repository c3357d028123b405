import type { Widgets } from 'blessed';
import type contrib from 'blessed-contrib';
import type { DashboardModel } from '../model.js';
import { RateChart } from './rate-chart.js';

/**
 * Frames per second through the relay: what it forwarded, and what it received split
 * by message kind. (The stats contract counts kinds on the receive side only; each
 * received frame is forwarded to every other station, so forwarded ≈ received × (N−1).)
 */
export class TrafficGraph {
  private readonly chart: RateChart;

  constructor(grid: contrib.Grid, at: [number, number, number, number]) {
    this.chart = new RateChart(grid, at, ' Traffic (frames/s, last 2 min) ', [
      { field: 'forwarded', title: 'forwarded', color: 'cyan' },
      { field: 'received', title: 'received', color: 'white' },
      { field: 'voice', title: 'rx voice', color: 'green' },
      { field: 'text', title: 'rx text', color: 'yellow' },
      { field: 'control', title: 'rx control', color: 'magenta' },
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
