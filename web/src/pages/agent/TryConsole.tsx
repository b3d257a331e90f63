// The Agent page's "Try it" console (POST /v1/agent/try): type as a customer, see what the agent would
// text back and every tool it would call. Nothing is sent, booked or stored; the conversation lives in
// the `state` the server answers, sent back with the next text.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/forms';
import type { TryAnswer } from '../../../../src/features/agent/agent-try';

type Turn = { text: string; answer: TryAnswer };

export function TryConsole({ enabled }: { enabled: boolean }) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const endRef = useRef<HTMLLIElement>(null);
  const state = turns.at(-1)?.answer.state;

  const send = useMutation({
    mutationFn: (t: string) =>
      api<{ data: TryAnswer }>('/v1/agent/try', { method: 'POST', body: { text: t, name: name.trim() || undefined, state } }).then((r) => r.data),
    onSuccess: (answer, t) => {
      setTurns((all) => [...all, { text: t, answer }]);
      setText('');
    },
  });

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [turns.length]);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (text.trim() && !send.isPending) send.mutate(text);
  }
  function startOver() {
    setTurns([]);
    setText('');
    send.reset();
    inputRef.current?.focus();
  }

  return (
    <section className="card agent-try" id="try-it" aria-labelledby="agent-try-title">
      <h2 id="agent-try-title">Try it</h2>
      <p className="hint" id="agent-try-hint">
        Text the agent as a customer would and see what it would answer and do, with your saved settings. Nothing is sent, booked or
        stored: this is only a rehearsal.{enabled ? '' : ' The agent is off, so real leads get nothing until you switch it on.'}
      </p>
      {turns.length > 0 && (
        <ol className="agent-try-log" aria-label="The conversation so far">
          {turns.map((turn, i) => (
            <li key={i} className="agent-try-turn" ref={i === turns.length - 1 ? endRef : undefined}>
              <p className="agent-try-msg agent-try-customer">
                <span className="visually-hidden">Customer: </span>
                {turn.text}
              </p>
              {turn.answer.replies.length === 0 ? (
                <p className="agent-try-none">The agent would not reply.</p>
              ) : (
                turn.answer.replies.map((r, j) => (
                  <p key={j} className="agent-try-msg agent-try-agent" data-testid="try-reply">
                    <span className="agent-try-by">Agent</span>
                    <span className="visually-hidden">: </span>
                    {r}
                  </p>
                ))
              )}
              {turn.answer.actions.length > 0 && (
                <details className="agent-try-actions" open={i === turns.length - 1}>
                  <summary>
                    What it would do ({turn.answer.actions.length} action{turn.answer.actions.length === 1 ? '' : 's'}, {turn.answer.engine} engine)
                  </summary>
                  <ul>
                    {turn.answer.actions.map((a, j) => (
                      <li key={j} data-testid="try-action">
                        <code>{a.tool}</code> <span className={a.ok ? 'badge badge-green' : 'badge badge-red'}>{a.ok ? 'ok' : 'refused'}</span>{' '}
                        <span>{a.result}</span>
                        <pre className="agent-try-args">{JSON.stringify(a.args, null, 1)}</pre>
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
      <form className="form agent-try-form" onSubmit={submit}>
        <FormError error={send.error} />
        <div className="field">
          <label htmlFor="agent-try-text">{turns.length ? 'The customer answers' : 'The customer texts'}</label>
          <textarea
            id="agent-try-text"
            ref={inputRef}
            rows={2}
            maxLength={1600}
            value={text}
            aria-describedby="agent-try-hint"
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        {turns.length === 0 && (
          <div className="field">
            <label htmlFor="agent-try-name">The customer’s name</label>
            <input id="agent-try-name" value={name} placeholder="Sam Sample" autoComplete="off" onChange={(e) => setName(e.target.value)} />
          </div>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={!text.trim() || send.isPending}>
            {send.isPending ? 'Sending…' : 'Send'}
          </button>
          <button type="button" className="btn btn-secondary" onClick={startOver} disabled={turns.length === 0 && !send.error}>
            Start over
          </button>
          <span role="status" className="muted">
            {send.isPending ? 'The agent is answering…' : turns.length ? `${turns.length} text${turns.length === 1 ? '' : 's'} so far` : ''}
          </span>
        </div>
      </form>
    </section>
  );
}
