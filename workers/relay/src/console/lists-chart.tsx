/**
 * Charts for the effort dashboard, drawn on the server as inline SVG (docs/console.md
 * "Effort dashboard"): no client script, no dependency, a few hundred bytes per chart. Each
 * chart is an `<svg role="img">` named by its <title> and described by a <desc> that lists
 * every value, each bar carries its own <title> (a tooltip), and the page repeats the numbers
 * in a data table. Labels are text nodes, escaped by hono/jsx like every other string.
 */

export interface Bar {
  label: string;
  value: number;
}

/** Drawn at most 480 px wide, so that its 13 px text stays readable when a sidebar shrinks it. */
const WIDTH = 480;
const LABEL_W = 150;
const VALUE_W = 48;
const ROW_H = 26;
const BAR_H = 18;
const TOP = 8;
/** Bars: #0b5cad on white is 6.5:1 (WCAG 1.4.11 needs 3:1); text #1b1f24. */
const BAR_FILL = "#0b5cad";
const TEXT_FILL = "#1b1f24";
const AXIS = "#8c959f";
const MAX_LABEL = 20;

const clip = (s: string) => (s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s);

/** A horizontal bar chart: one row per bar, the value written after the bar. */
export function BarChart(props: { id: string; title: string; bars: Bar[] }) {
  const { id, title, bars } = props;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plot = WIDTH - LABEL_W - VALUE_W;
  const height = TOP * 2 + Math.max(1, bars.length) * ROW_H;
  const desc = bars.map((b) => `${b.label}: ${b.value}`).join("; ");
  return (
    <svg
      class="chart"
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      preserveAspectRatio="xMinYMin meet"
      style="max-width:480px;height:auto;display:block"
      data-chart={id}
      data-bars={String(bars.length)}
    >
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{desc || "no data"}</desc>
      <line x1={LABEL_W} y1={TOP - 2} x2={LABEL_W} y2={height - TOP + 2} stroke={AXIS} />
      {bars.map((b, i) => {
        const y = TOP + i * ROW_H;
        const w = b.value > 0 ? Math.max(2, Math.round((b.value / max) * plot)) : 0;
        return (
          <g>
            <title>{`${b.label}: ${b.value}`}</title>
            <text
              x={LABEL_W - 6}
              y={y + BAR_H - 4}
              text-anchor="end"
              font-size="13"
              fill={TEXT_FILL}
            >
              {clip(b.label)}
            </text>
            <rect x={LABEL_W} y={y} width={w} height={BAR_H} fill={BAR_FILL} />
            <text x={LABEL_W + w + 4} y={y + BAR_H - 4} font-size="13" fill={TEXT_FILL}>
              {String(b.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
