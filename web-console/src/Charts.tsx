import { useId, type ReactNode } from 'react';
import { niceTicks, type Rate } from './dashboard-data';

/** Hand-written SVG charts for the Overview (no chart library: the console's bundle stays small). */

export type Bar = { key: string; label: string; value: number };

function Frame({ id, title, desc, testId, width, height, children }: {
  id: string; title: string; desc: string; testId: string; width: number; height: number; children: ReactNode;
}) {
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-t ${id}-d`} data-testid={testId}>
      <title id={`${id}-t`}>{title}</title>
      <desc id={`${id}-d`}>{desc}</desc>
      {children}
    </svg>
  );
}

/** Vertical bars with the value above each bar and the label under it. */
export function BarChart({ title, bars, testId, emptyText, format }: {
  title: string; bars: Bar[]; testId: string; emptyText: string; format: (n: number) => string;
}) {
  const id = useId();
  const W = 520, H = 240, left = 36, bottom = 56, top = 20;
  const ticks = niceTicks(Math.max(0, ...bars.map((b) => b.value)));
  const top0 = ticks[ticks.length - 1]!;
  const plotH = H - bottom - top;
  const slot = bars.length ? (W - left - 8) / bars.length : 0;
  const y = (v: number) => top + plotH - (v / top0) * plotH;
  const desc = bars.length ? bars.map((b) => `${b.label}: ${format(b.value)}`).join('; ') : emptyText;
  return (
    <figure className="card chart-card">
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? <p className="hint" data-testid={`${testId}-empty`}>{emptyText}</p> : (
        <Frame id={id} title={title} desc={desc} testId={testId} width={W} height={H}>
          {ticks.map((v) => (
            <g key={v} className="grid">
              <line x1={left} x2={W - 4} y1={y(v)} y2={y(v)} />
              <text x={left - 4} y={y(v) + 4} textAnchor="end">{format(v)}</text>
            </g>
          ))}
          {bars.map((b, i) => {
            const x = left + i * slot + slot * 0.15, w = slot * 0.7;
            return (
              <g key={b.key} data-testid={`${testId}-bar`} data-key={b.key} data-value={b.value}>
                <title>{`${b.label}: ${format(b.value)}`}</title>
                <rect className="bar" x={x} width={w} y={y(b.value)} height={Math.max(0, top + plotH - y(b.value))} />
                <text className="value" x={x + w / 2} y={y(b.value) - 4} textAnchor="middle">{format(b.value)}</text>
                <text className="label" x={x + w / 2} y={H - bottom + 16} textAnchor="middle">{truncate(b.label, slot / 8)}</text>
              </g>
            );
          })}
        </Frame>
      )}
    </figure>
  );
}

function truncate(s: string, chars: number): string {
  const n = Math.max(4, Math.floor(chars));
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export type Line = { key: string; label: string; colour: string; values: number[] };

/** Lines over days with axes and a legend (the x labels are the first, middle and last day). */
export function LineChart({ title, days, lines, testId, dayLabel, format }: {
  title: string; days: string[]; lines: Line[]; testId: string; dayLabel: (iso: string) => string; format: (n: number) => string;
}) {
  const id = useId();
  // Wide charts span the page: a wide viewBox keeps their text near its CSS size.
  const W = 1300, H = 260, left = 40, right = 12, top = 28, bottom = 32;
  const ticks = niceTicks(Math.max(0, ...lines.flatMap((l) => l.values)));
  const top0 = ticks[ticks.length - 1]!;
  const plotW = W - left - right, plotH = H - top - bottom;
  const x = (i: number) => left + (days.length <= 1 ? plotW / 2 : (i / (days.length - 1)) * plotW);
  const y = (v: number) => top + plotH - (v / top0) * plotH;
  const xLabels = days.length ? [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])] : [];
  const desc = lines.map((l) => `${l.label}: ${l.values.reduce((a, b) => a + b, 0)} (${days.length ? `${dayLabel(days[0]!)} – ${dayLabel(days[days.length - 1]!)}` : ''})`).join('; ');
  return (
    <figure className="card chart-card wide">
      <figcaption>{title}</figcaption>
      <Frame id={id} title={title} desc={desc} testId={testId} width={W} height={H}>
        {ticks.map((v) => (
          <g key={v} className="grid">
            <line x1={left} x2={W - right} y1={y(v)} y2={y(v)} />
            <text x={left - 4} y={y(v) + 4} textAnchor="end">{format(v)}</text>
          </g>
        ))}
        <line className="axis" x1={left} x2={W - right} y1={top + plotH} y2={top + plotH} />
        <line className="axis" x1={left} x2={left} y1={top} y2={top + plotH} />
        {xLabels.map((i) => (
          <text key={i} className="label" x={x(i)} y={H - 10} textAnchor={i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle'}>{dayLabel(days[i]!)}</text>
        ))}
        {lines.map((l) => (
          <g key={l.key} data-testid={`${testId}-line`} data-key={l.key} data-total={l.values.reduce((a, b) => a + b, 0)}>
            <polyline fill="none" stroke={l.colour} strokeWidth={2.5} points={l.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')} />
            {l.values.map((v, i) => (
              <circle key={i} cx={x(i)} cy={y(v)} r={days.length > 40 ? 1.5 : 3} fill={l.colour}>
                <title>{`${l.label} · ${dayLabel(days[i]!)}: ${format(v)}`}</title>
              </circle>
            ))}
          </g>
        ))}
        {lines.map((l, i) => (
          <g key={l.key} className="legend" transform={`translate(${left + 8 + i * 160}, 10)`}>
            <rect width={14} height={4} y={-2} fill={l.colour} />
            <text x={20} y={4}>{l.label}</text>
          </g>
        ))}
      </Frame>
    </figure>
  );
}

export type RateRow = { key: string; label: string; rates: Rate[] };

/** Horizontal bars of rates (0–100 %), one group per row, one bar per series; null shows "—". */
export function RateBars({ title, rows, series, testId, emptyText, format }: {
  title: string; rows: RateRow[]; series: { label: string; colour: string }[]; testId: string; emptyText: string; format: (r: Rate) => string;
}) {
  const id = useId();
  const W = 1300, labelW = 260, valueW = 64, barH = 14, gap = 4, groupGap = 12, top = 28;
  const groupH = series.length * (barH + gap) + groupGap;
  const H = top + Math.max(1, rows.length) * groupH;
  const plotW = W - labelW - valueW;
  const desc = rows.map((r) => `${r.label}: ${r.rates.map((v, i) => `${series[i]?.label ?? ''} ${format(v)}`).join(', ')}`).join('; ');
  return (
    <figure className="card chart-card wide">
      <figcaption>{title}</figcaption>
      {rows.length === 0 ? <p className="hint" data-testid={`${testId}-empty`}>{emptyText}</p> : (
        <Frame id={id} title={title} desc={desc} testId={testId} width={W} height={H}>
          {series.map((s, i) => (
            <g key={s.label} className="legend" transform={`translate(${labelW + i * 180}, 10)`}>
              <rect width={14} height={10} y={-6} fill={s.colour} />
              <text x={20} y={4}>{s.label}</text>
            </g>
          ))}
          {rows.map((r, gi) => {
            const gy = top + gi * groupH;
            return (
              <g key={r.key} data-testid={`${testId}-row`} data-key={r.key}>
                <text className="label" x={labelW - 8} y={gy + (series.length * (barH + gap)) / 2 + 4} textAnchor="end">{truncate(r.label, 30)}</text>
                <rect className="track" x={labelW} y={gy} width={plotW} height={series.length * (barH + gap) - gap} />
                {r.rates.map((v, i) => (
                  <g key={i}>
                    <title>{`${r.label} · ${series[i]?.label ?? ''}: ${format(v)}`}</title>
                    <rect x={labelW} y={gy + i * (barH + gap)} width={v === null ? 0 : Math.max(1, v * plotW)} height={barH} fill={series[i]?.colour} />
                    <text className="value" x={labelW + plotW + 6} y={gy + i * (barH + gap) + barH - 2}>{format(v)}</text>
                  </g>
                ))}
              </g>
            );
          })}
        </Frame>
      )}
    </figure>
  );
}
