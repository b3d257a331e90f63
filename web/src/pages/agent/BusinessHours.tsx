import type { Weekday } from '../../../../src/features/agent/agent-settings.schemas';
import { DAY_NAMES, localId, WEEKDAYS, type DateRow, type Span } from './agentForm';

type HoursProps = {
  hours: Record<Weekday, Span[]>;
  onChange: (hours: Record<Weekday, Span[]>) => void;
  zone: string | undefined;
  error?: string;
};

/** Open spans per weekday (up to 4 a day; none: closed), in the company's timezone: where the agent's free slots come from. */
export function BusinessHours({ hours, onChange, zone, error }: HoursProps) {
  const setDay = (d: Weekday, spans: Span[]) => onChange({ ...hours, [d]: spans });
  return (
    <fieldset className="agent-group" aria-describedby={error ? 'hours-hint hours-error' : 'hours-hint'}>
      <legend>Business hours</legend>
      <p className="hint" id="hours-hint">
        When the agent may offer appointments{zone ? `, in ${zone}` : ''}. A day without hours is closed.
      </p>
      {error && (
        <p className="field-error" id="hours-error" data-testid="business-hours-error">
          {error}
        </p>
      )}
      <div className="agent-days">
        {WEEKDAYS.map((d) => {
          const spans = hours[d];
          const day = DAY_NAMES[d];
          const update = (i: number, change: Partial<Span>) => setDay(d, spans.map((s, j) => (j === i ? { ...s, ...change } : s)));
          // A new span starts after the last one ends, so it never starts out overlapping it.
          const last = spans[spans.length - 1];
          const add = () => setDay(d, [...spans, last ? { id: localId(), start: bump(last.end, 30), end: bump(last.end, 150) } : { id: localId(), start: '08:00', end: '17:00' }]);
          return (
            <fieldset key={d} className="agent-day" data-day={d}>
              <legend>{day}</legend>
              {spans.length === 0 && <p className="muted small agent-closed">Closed</p>}
              {spans.map((s, i) => (
                <div className="agent-span" key={s.id}>
                  <div className="field">
                    <label htmlFor={`${s.id}-start`}>Opens</label>
                    <input id={`${s.id}-start`} type="time" value={s.start} onChange={(e) => update(i, { start: e.target.value })} />
                  </div>
                  <div className="field">
                    <label htmlFor={`${s.id}-end`}>Closes</label>
                    <input id={`${s.id}-end`} type="time" value={s.end} onChange={(e) => update(i, { end: e.target.value })} />
                  </div>
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    aria-label={`Remove ${day} hours ${i + 1}`}
                    onClick={() => setDay(d, spans.filter((_, j) => j !== i))}
                  >
                    Remove
                  </button>
                </div>
              ))}
              <div className="actions">
                <button type="button" className="btn btn-secondary btn-small" onClick={add} disabled={spans.length >= 4} aria-label={`Add hours on ${day}`}>
                  Add hours
                </button>
                {spans.length > 0 && (
                  <button type="button" className="btn btn-secondary btn-small" onClick={() => setDay(d, [])} aria-label={`Closed on ${day}`}>
                    Closed all day
                  </button>
                )}
              </div>
            </fieldset>
          );
        })}
      </div>
    </fieldset>
  );
}

/** "HH:MM" plus `minutes`, held below midnight. */
function bump(time: string, minutes: number): string {
  const [h, m] = time.split(':').map(Number);
  const total = Math.min((h || 0) * 60 + (m || 0) + minutes, 23 * 60 + 59);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

type DatesProps = { dates: DateRow[]; onChange: (dates: DateRow[]) => void; error?: string };

/** Days without slots (public holidays, leave). */
export function ClosedDates({ dates, onChange, error }: DatesProps) {
  return (
    <fieldset className="agent-group" aria-describedby={error ? 'closed-hint closed-error' : 'closed-hint'}>
      <legend>Closed dates</legend>
      <p className="hint" id="closed-hint">
        Public holidays and leave: no appointments are offered on these days.
      </p>
      {error && (
        <p className="field-error" id="closed-error">
          {error}
        </p>
      )}
      {dates.length === 0 && <p className="muted small">None.</p>}
      <ul className="agent-dates">
        {dates.map((d, i) => (
          <li key={d.id} className="agent-span">
            <div className="field">
              <label htmlFor={`${d.id}-date`}>Closed date {i + 1}</label>
              <input id={`${d.id}-date`} type="date" value={d.date} onChange={(e) => onChange(dates.map((x, j) => (j === i ? { ...x, date: e.target.value } : x)))} />
            </div>
            <button type="button" className="btn btn-secondary btn-small" aria-label={`Remove closed date ${i + 1}`} onClick={() => onChange(dates.filter((_, j) => j !== i))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="btn btn-secondary btn-small" onClick={() => onChange([...dates, { id: localId(), date: '' }])}>
        Add closed date
      </button>
    </fieldset>
  );
}
