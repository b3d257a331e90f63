// Hand-drawn SVG charts for Home. Each is role="img" with a name, and each has a visually hidden
// table beside it that says the same numbers to a screen reader.
import { useId } from 'react';
import { STAGES, STAGE_LABELS, type Pipeline } from './types';
import { formatDay } from '../../components/dates';

export const STAGE_FILL: Record<string, string> = {
  new_lead: '#2f5fd0',
  follow_up: '#b7791f',
  quote_in_progress: '#7c3aed',
  quoted: '#0e7490',
  closed_won: '#15803d',
  closed_lost: '#b91c1c',
};

export function FunnelChart({ pipeline }: { pipeline: Pipeline }) {
  const titleId = useId();
  const rowH = 40;
  const width = 460;
  const labelW = 150;
  const countW = 44;
  const barArea = width - labelW - countW;
  const center = labelW + barArea / 2;
  const max = Math.max(1, ...STAGES.map((s) => pipeline[s] ?? 0));
  const summary = STAGES.map((s) => `${STAGE_LABELS[s]}: ${pipeline[s] ?? 0}`).join(', ');
  return (
    <>
      <svg className="crm-chart" viewBox={`0 0 ${width} ${rowH * STAGES.length}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{`Pipeline funnel, leads per stage. ${summary}`}</title>
        {STAGES.map((stage, i) => {
          const n = pipeline[stage] ?? 0;
          const w = Math.max(6, (n / max) * barArea);
          const y = i * rowH + 6;
          return (
            <g key={stage} data-stage={stage}>
              <text x={labelW - 10} y={y + 19} textAnchor="end" fontSize="14" fill="#243b53" fontWeight="600">
                {STAGE_LABELS[stage]}
              </text>
              <rect x={center - w / 2} y={y} width={w} height={rowH - 12} rx="4" fill={STAGE_FILL[stage]} />
              <text x={width - 4} y={y + 20} textAnchor="end" fontSize="16" fill="#102a43" fontWeight="700">
                {n}
              </text>
            </g>
          );
        })}
      </svg>
      <ChartData caption="Leads per pipeline stage" columns={['Stage', 'Leads']} rows={STAGES.map((s) => [STAGE_LABELS[s], pipeline[s] ?? 0])} />
    </>
  );
}

/** A chart's numbers as a table for screen readers: a row heading and its value per row. */
function ChartData({ caption, columns, rows }: { caption: string; columns: [string, string]; rows: [string, number][] }) {
  return (
    <table className="crm-visually-hidden">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{columns[0]}</th>
          <th scope="col">{columns[1]}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const WEEK: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };
const weekLabel = (ymd: string) => formatDay(ymd, WEEK);

/** A step for the y axis that gives 3–5 gridlines: 1, 2, 5, 10, 20, 50… */
function niceStep(max: number) {
  const rough = max / 4;
  const pow = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= rough) return m * pow;
  return 10 * pow;
}

export function WeeklyBarChart({ weeks }: { weeks: { week_start: string; count: number }[] }) {
  const titleId = useId();
  const width = 460;
  const height = 250;
  const left = 28;
  const bottom = 30;
  const top = 20;
  const plotH = height - top - bottom;
  const plotW = width - left - 4;
  const step = niceStep(Math.max(1, ...weeks.map((w) => w.count)));
  const yMax = Math.max(step, Math.ceil(Math.max(1, ...weeks.map((w) => w.count)) / step) * step);
  const slot = plotW / Math.max(1, weeks.length);
  const barW = Math.min(30, slot * 0.66);
  const ticks: number[] = [];
  for (let v = 0; v <= yMax; v += step) ticks.push(v);
  const total = weeks.reduce((a, w) => a + w.count, 0);
  const summary = weeks.map((w) => `week of ${weekLabel(w.week_start)}: ${w.count}`).join(', ');
  return (
    <>
      <svg className="crm-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{`New leads per week over the last ${weeks.length} weeks, ${total} in all. ${summary}`}</title>
        {ticks.map((v) => {
          const y = top + plotH - (v / yMax) * plotH;
          return (
            <g key={v}>
              <line x1={left} x2={width - 4} y1={y} y2={y} stroke={v === 0 ? '#7b8794' : '#d9e2ec'} strokeWidth="1" />
              <text x={left - 6} y={y + 4} textAnchor="end" fontSize="12" fill="#3e4c59">
                {v}
              </text>
            </g>
          );
        })}
        {weeks.map((w, i) => {
          const h = (w.count / yMax) * plotH;
          const x = left + i * slot + (slot - barW) / 2;
          const y = top + plotH - h;
          const current = i === weeks.length - 1;
          return (
            <g key={w.week_start}>
              <rect x={x} y={y} width={barW} height={Math.max(h, 0)} rx="3" fill={current ? '#1e40af' : '#3b82f6'} />
              {w.count > 0 && (
                <text x={x + barW / 2} y={y - 5} textAnchor="middle" fontSize="12" fill="#102a43" fontWeight="600">
                  {w.count}
                </text>
              )}
              {(weeks.length - 1 - i) % 3 === 0 && (
                <text
                  x={current ? width - 4 : x + barW / 2}
                  y={height - bottom + 18}
                  textAnchor={current ? 'end' : 'middle'}
                  fontSize="12"
                  fill="#3e4c59"
                >
                  {current ? 'This week' : weekLabel(w.week_start)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <ChartData caption="New leads per week" columns={['Week starting', 'New leads']} rows={weeks.map((w) => [weekLabel(w.week_start), w.count])} />
    </>
  );
}

/** A ring: the accepted share of decided quotes. */
export function WinRateRing({ accepted, declined }: { accepted: number; declined: number }) {
  const decided = accepted + declined;
  const rate = decided ? accepted / decided : 0;
  const r = 42;
  const c = 2 * Math.PI * r;
  const label = decided
    ? `Win rate ${Math.round(rate * 100)}%: ${accepted} accepted, ${declined} declined`
    : 'Win rate: no quotes accepted or declined yet';
  return (
    <svg width="120" height="120" viewBox="0 0 120 120" role="img" aria-label={label}>
      <circle cx="60" cy="60" r={r} fill="none" stroke={decided ? '#b91c1c' : '#d9e2ec'} strokeWidth="14" />
      {decided > 0 && (
        <circle
          cx="60"
          cy="60"
          r={r}
          fill="none"
          stroke="#15803d"
          strokeWidth="14"
          strokeDasharray={`${rate * c} ${c}`}
          transform="rotate(-90 60 60)"
        />
      )}
      <text x="60" y="66" textAnchor="middle" fontSize="20" fontWeight="700" fill="#102a43">
        {decided ? `${Math.round(rate * 100)}%` : '—'}
      </text>
    </svg>
  );
}
