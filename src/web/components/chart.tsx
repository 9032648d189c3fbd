/**
 * A uPlot time-series chart: x in ms, one or more series, an optional horizontal threshold line.
 * Colours come from CSS variables so the chart follows the light/dark theme.
 */
import { useEffect, useRef } from "preact/hooks";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

type UPlot = typeof uPlot;
let uplotLoading: Promise<UPlot> | undefined;
/** uPlot loads with the first chart, not with the page: the overview's frame paints without it. */
function loadUplot(): Promise<UPlot> {
  uplotLoading ??= import("uplot").then((m) => m.default);
  return uplotLoading;
}

export interface Series {
  label: string;
  /** one value per x; null for no data */
  values: Array<number | null>;
}

export interface ChartProps {
  /** ms since epoch */
  x: number[];
  series: Series[];
  threshold?: number;
  height?: number;
  bars?: boolean;
  /** show the legend even for one series (it names the series) */
  legend?: boolean;
  label: string;
}

const PALETTE = ["--c1", "--c2", "--c3", "--c4", "--c5", "--c6"];

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

function build(U: UPlot, el: HTMLDivElement, p: ChartProps): uPlot {
  const fg = cssVar("--muted");
  const grid = cssVar("--grid");
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const series: uPlot.Series[] = [{}];
  p.series.forEach((s, i) => {
    const colour = cssVar(PALETTE[i % PALETTE.length]);
    series.push({
      label: s.label,
      stroke: colour,
      width: 2,
      fill: p.bars ? colour : `${colour}22`,
      paths: p.bars ? U.paths.bars?.({ size: [0.7, 40] }) : undefined,
      points: { show: !p.bars && s.values.filter((v) => v !== null).length < 30, size: 5, fill: colour },
    });
  });
  // a bar of 0 is drawn as a dash: leave it out instead
  const values = p.series.map((s) => (p.bars ? s.values.map((v) => (v === 0 ? null : v)) : s.values));
  const data: uPlot.AlignedData = [p.x.map((t) => t / 1000), ...values];
  if (p.threshold !== undefined) {
    series.push({
      label: "threshold",
      stroke: cssVar("--bad"),
      width: 1.5,
      dash: [6, 4],
      points: { show: false },
    });
    data.push(p.x.map(() => p.threshold as number));
  }
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height: p.height ?? 180,
    series,
    axes: [axis, { ...axis, size: 44 }],
    legend: { show: p.legend === true || p.series.length > 1 || p.threshold !== undefined, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1, (p.threshold ?? 0) * 1.2)] },
    },
  };
  return new U(opts, data, el);
}

export function Chart(props: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const signature = JSON.stringify([
    props.x,
    props.series,
    props.threshold,
    props.bars,
    props.height,
    props.legend,
  ]);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let plot: uPlot | undefined;
    let U: UPlot | undefined;
    let gone = false;
    const resize = new ResizeObserver(() =>
      plot?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 180 }),
    );
    const scheme = matchMedia("(prefers-color-scheme: dark)");
    const rebuild = () => {
      if (!U) return;
      plot?.destroy();
      plot = build(U, el, props);
    };
    void loadUplot().then((loaded) => {
      if (gone) return;
      U = loaded;
      rebuild();
      resize.observe(el);
      scheme.addEventListener("change", rebuild);
    });
    return () => {
      gone = true;
      resize.disconnect();
      scheme.removeEventListener("change", rebuild);
      plot?.destroy();
    };
  }, [signature]);
  return <div class="chart" ref={ref} role="img" aria-label={props.label} />;
}

/** Buckets timestamps into per-minute (or `stepMs`) counts over [start, end). */
export function bucket(
  times: number[],
  start: number,
  end: number,
  stepMs: number,
): { x: number[]; y: number[] } {
  const n = Math.max(1, Math.ceil((end - start) / stepMs));
  const x = Array.from({ length: n }, (_, i) => start + i * stepMs);
  const y = new Array<number>(n).fill(0);
  for (const t of times) {
    const i = Math.floor((t - start) / stepMs);
    if (i >= 0 && i < n) y[i]++;
  }
  return { x, y };
}
