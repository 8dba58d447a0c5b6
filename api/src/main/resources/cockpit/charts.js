// uPlot charts that follow their container's width, and the pieces the pages share.

export const COLORS = {
  accent: '#2563eb',
  accentFill: 'rgba(37, 99, 235, 0.18)',
  second: '#d97706',
  secondFill: 'rgba(217, 119, 6, 0.15)',
  close: '#475569',
  grid: '#e5e7eb',
  axis: '#4b5563',
};

const DEFAULT_HEIGHT = 300;

/** uPlot formats time axes in the browser's zone by default; the cockpit shows UTC everywhere. */
const utc = (seconds) => uPlot.tzDate(new Date(seconds * 1e3), 'Etc/UTC');

export const axis = (extra = {}) => ({
  stroke: COLORS.axis,
  grid: { stroke: COLORS.grid, width: 1 },
  ticks: { stroke: COLORS.grid, width: 1 },
  ...extra,
});

// uPlot's table of time-axis labels (tick increment in seconds, format, formats when the year, month,
// day, hour, minute or second rolls over, mode 1 = append), with 24-hour ISO-like stamps.
const D = 86400;
const UTC_TIME_VALUES = [
  [D * 365, '{YYYY}', null, null, null, null, null, null, 1],
  [D * 28, '{MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [D, '{MM}-{DD}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [60, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [1, ':{ss}', '\n{YYYY}-{MM}-{DD} {HH}:{mm}', null, '\n{MM}-{DD} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
  [0.001, ':{ss}.{fff}', '\n{YYYY}-{MM}-{DD} {HH}:{mm}', null, '\n{MM}-{DD} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
];

/** The x axis of a time chart, labelled in UTC. */
export const timeAxis = () => axis({ values: UTC_TIME_VALUES });

/** The x series of a time chart: its legend shows the UTC time under the cursor. */
export const timeSeries = () => ({ label: 'UTC', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' });

export const line = (label, stroke, extra = {}) => ({
  label,
  stroke,
  width: 1.5,
  spanGaps: true,
  points: { show: false },
  ...extra,
});

const widthOf = (container) => Math.max(200, Math.floor(container.clientWidth || container.parentElement?.clientWidth || 600));

/**
 * A uPlot chart in `container` that resizes with it. `options` is uPlot's, without width and height;
 * `data` is [xs, ...ys]. Returns {plot, setData, destroy}.
 */
export function createChart(container, options, data, { height = DEFAULT_HEIGHT } = {}) {
  if (typeof uPlot === 'undefined') {
    container.replaceChildren(Object.assign(document.createElement('p'), { className: 'alert', textContent: 'The chart library (uPlot) did not load.' }));
    return { plot: null, setData() {}, destroy() {} };
  }
  container.replaceChildren();
  const plot = new uPlot({ tzDate: utc, ...options, width: widthOf(container), height }, data, container);
  container.uplot = plot; // for a look from the browser's console (and CockpitBrowserIT's measurements)
  let lastWidth = widthOf(container);
  const observer = new ResizeObserver(() => {
    const width = Math.floor(container.clientWidth);
    if (width > 0 && width !== lastWidth) {
      lastWidth = width;
      plot.setSize({ width: Math.max(200, width), height });
    }
  });
  observer.observe(container);
  return {
    plot,
    setData: (d) => plot.setData(d),
    destroy() {
      observer.disconnect();
      if (container.uplot === plot) container.uplot = null;
      plot.destroy();
    },
  };
}

/**
 * Series given as [{t: [x...], values: [[...], ...]}] on different x values, merged onto one sorted
 * x array with nulls where a series has no point (uPlot wants aligned data).
 */
export function alignSeries(parts) {
  const xs = Array.from(new Set(parts.flatMap((p) => p.t))).sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = [];
  for (const part of parts) {
    for (const values of part.values) {
      const col = new Array(xs.length).fill(null);
      part.t.forEach((x, i) => {
        const v = values[i];
        col[index.get(x)] = Number.isFinite(v) ? v : null;
      });
      columns.push(col);
    }
  }
  return [xs, ...columns];
}

/** A message in place of a chart (no data, or an error). */
export function chartMessage(container, text) {
  container.replaceChildren(Object.assign(document.createElement('p'), { className: 'chart-empty', textContent: text }));
}
