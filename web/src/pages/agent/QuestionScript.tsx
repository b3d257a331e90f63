import { KINDS, KIND_NAMES, localId, type Kind, type QuestionRow } from './agentForm';

type Props = {
  questions: QuestionRow[];
  onChange: (questions: QuestionRow[]) => void;
  /** The server's message for `rules` (the script and its weights), shown under it. */
  error?: string;
};

/** The rules engine's script: the questions it asks in order, each with its kind and the weight of a good answer. */
export function QuestionScript({ questions, onChange, error }: Props) {
  const update = (i: number, change: Partial<QuestionRow>) => onChange(questions.map((q, j) => (j === i ? { ...q, ...change } : q)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...questions];
    [next[i], next[i + by]] = [next[i + by], next[i]];
    onChange(next);
  };
  const remove = (i: number) => onChange(questions.filter((_, j) => j !== i));
  const add = () => onChange([...questions, { id: localId(), key: '', ask: '', kind: 'text', choices: '', weight: '' }]);

  return (
    <fieldset className="agent-group" aria-describedby={error ? 'rules-error' : 'rules-hint'}>
      <legend>Question script</legend>
      <p className="hint" id="rules-hint">
        Asked in this order. The weight (0–100) is what a good answer adds to the lead's score.
      </p>
      {error && (
        <p className="field-error" id="rules-error" data-testid="rules-error">
          {error}
        </p>
      )}
      <ol className="agent-questions">
        {questions.map((q, i) => {
          const n = i + 1;
          const pre = `q-${q.id}`;
          return (
            <li key={q.id}>
              <fieldset className="agent-question">
                <legend>Question {n}</legend>
                <div className="form-row">
                  <div className="field">
                    <label htmlFor={`${pre}-key`}>Key</label>
                    <input
                      id={`${pre}-key`}
                      value={q.key}
                      autoCapitalize="none"
                      spellCheck={false}
                      aria-describedby={`${pre}-key-hint`}
                      onChange={(e) => update(i, { key: e.target.value })}
                    />
                    <span className="hint" id={`${pre}-key-hint`}>
                      Lower-case letters, digits and _.
                    </span>
                  </div>
                  <div className="field">
                    <label htmlFor={`${pre}-kind`}>Answer kind</label>
                    <select id={`${pre}-kind`} value={q.kind} onChange={(e) => update(i, { kind: e.target.value as Kind })}>
                      {KINDS.map((k) => (
                        <option key={k} value={k}>
                          {KIND_NAMES[k]}
                        </option>
                      ))}
                    </select>
                  </div>
                </div>
                <div className="field">
                  <label htmlFor={`${pre}-ask`}>Ask</label>
                  <input id={`${pre}-ask`} value={q.ask} maxLength={320} onChange={(e) => update(i, { ask: e.target.value })} />
                </div>
                <div className="form-row">
                  {q.kind === 'choice' && (
                    <div className="field">
                      <label htmlFor={`${pre}-choices`}>Choices</label>
                      <input
                        id={`${pre}-choices`}
                        value={q.choices}
                        aria-describedby={`${pre}-choices-hint`}
                        onChange={(e) => update(i, { choices: e.target.value })}
                      />
                      <span className="hint" id={`${pre}-choices-hint`}>
                        2 to 10, separated by commas.
                      </span>
                    </div>
                  )}
                  <div className="field">
                    <label htmlFor={`${pre}-weight`}>Weight</label>
                    <input
                      id={`${pre}-weight`}
                      type="number"
                      inputMode="numeric"
                      min={0}
                      max={100}
                      step={1}
                      value={q.weight}
                      onChange={(e) => update(i, { weight: e.target.value })}
                    />
                  </div>
                </div>
                <div className="actions">
                  <button type="button" className="btn btn-secondary btn-small" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move question ${n} up`}>
                    Up
                  </button>
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    disabled={i === questions.length - 1}
                    onClick={() => move(i, 1)}
                    aria-label={`Move question ${n} down`}
                  >
                    Down
                  </button>
                  <button type="button" className="btn btn-secondary btn-small" onClick={() => remove(i)} aria-label={`Remove question ${n}`}>
                    Remove
                  </button>
                </div>
              </fieldset>
            </li>
          );
        })}
      </ol>
      <button type="button" className="btn btn-secondary" onClick={add} disabled={questions.length >= 20}>
        Add question
      </button>
    </fieldset>
  );
}
