/**
 * The part of blessed-contrib the dashboard uses (the package ships no types).
 * Kept to what we call, so a wrong option is a compile error rather than a blank panel.
 */
declare module 'blessed-contrib' {
  import type { Widgets } from 'blessed';

  namespace contrib {
    interface LineSeries {
      title: string;
      x: string[];
      y: number[];
      style?: { line?: string };
    }
    interface LineOptions extends Widgets.BoxOptions {
      showLegend?: boolean;
      legend?: { width?: number };
      wholeNumbersOnly?: boolean;
      minY?: number;
      maxY?: number;
      xLabelPadding?: number;
      xPadding?: number;
      numYLabels?: number;
      showNthLabel?: number;
      abbreviate?: boolean;
      style?: { line?: string; text?: string; baseline?: string };
    }
    interface LineElement extends Widgets.BoxElement {
      options: LineOptions;
      setData(series: LineSeries[]): void;
    }
    interface Contrib {
      line: (options: LineOptions) => LineElement;
    }
  }
  const contrib: contrib.Contrib;
  export = contrib;
}

/**
 * The line chart alone: the package's index loads every widget (maps, pictures, markdown),
 * four times the start-up of this one.
 */
declare module 'blessed-contrib/lib/widget/charts/line.js' {
  import type contrib from 'blessed-contrib';
  const line: contrib.Contrib['line'];
  export = line;
}
