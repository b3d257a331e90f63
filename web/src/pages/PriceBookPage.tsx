import { useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PriceBookItem } from '../../../src/features/price-book/price-book.schemas';
import { api, fieldErrors } from '../api';
import { ConfirmDialog, Field, FormError } from '../components/forms';
import { Pager } from '../components/Pager';
import { ACTIONS, Table } from '../components/Table';
import { useConfirmedAction } from '../components/useConfirmedAction';
import { useTitle } from '../components/useTitle';
import { money } from './crm/ui';
import type { One, Paged } from './crm/types';

type Unit = PriceBookItem['unit'];
// The server's list lives in src/db/schema (drizzle); this one must name every unit of its type.
const UNITS: Record<Unit, string> = { each: 'each', hour: 'hour', m2: 'm²', metre: 'metre', kw: 'kW' };
const PER_PAGE = 25;
const KEY = ['price-book'];

type Draft = { name: string; description: string; unit: Unit; unit_price: string };
const EMPTY: Draft = { name: '', description: '', unit: 'each', unit_price: '' };
const draftOf = (item: PriceBookItem): Draft => ({
  name: item.name,
  description: item.description ?? '',
  unit: item.unit,
  unit_price: String(item.unit_price),
});
// An empty price goes as null, so the server names the field rather than reading 0.
const bodyOf = (d: Draft) => ({
  name: d.name,
  description: d.description.trim() === '' ? null : d.description,
  unit: d.unit,
  unit_price: d.unit_price.trim() === '' ? null : Number(d.unit_price),
});

/** The company's price book: the items (with unit and price) quotes and the agent's draft quotes take lines from. */
export default function PriceBookPage() {
  useTitle('Price book');
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<PriceBookItem | null>(null);
  const list = useQuery({
    queryKey: [...KEY, page],
    queryFn: () => api<Paged<PriceBookItem>>('/v1/price-book', { query: { page, per_page: PER_PAGE } }),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: KEY });
  const remove = useConfirmedAction((item: PriceBookItem) => api(`/v1/price-book/${item.id}`, { method: 'DELETE' }), refresh);

  const items = list.data?.data ?? [];
  return (
    <>
      <h1>Price book</h1>
      <p className="muted">
        What you charge, item by item. Prices read in your company's tax mode; quotes that already used an item keep their
        lines when it changes.
      </p>
      <FormError error={list.error} />
      {editing ? (
        <ItemForm
          key={editing.id}
          title={`Edit ${editing.name}`}
          initial={draftOf(editing)}
          submitLabel="Save item"
          send={(d) => api<One<PriceBookItem>>(`/v1/price-book/${editing.id}`, { method: 'PATCH', body: bodyOf(d) })}
          onDone={() => {
            setEditing(null);
            refresh();
          }}
          onCancel={() => setEditing(null)}
        />
      ) : (
        <ItemForm
          title="Add an item"
          initial={EMPTY}
          submitLabel="Add item"
          send={(d) => api<One<PriceBookItem>>('/v1/price-book', { method: 'POST', body: bodyOf(d) })}
          onDone={refresh}
        />
      )}
      <section className="card" aria-labelledby="items-title">
        <h2 id="items-title">Items</h2>
        {list.isLoading && <p role="status">Loading…</p>}
        {list.data && (
          <Table
            columns={['Name', 'Unit', { label: 'Unit price', className: 'num' }, ACTIONS]}
            rows={items}
            empty="No items yet. Add the first one above."
            row={(item) => (
              <tr key={item.id}>
                <td>
                  <strong>{item.name}</strong>
                  {item.description && <div className="muted small">{item.description}</div>}
                </td>
                <td>{UNITS[item.unit]}</td>
                <td className="num">
                  {money(item.unit_price, item.currency)}
                  {item.tax_mode === 'inclusive' && <div className="muted small">incl. tax</div>}
                </td>
                <td>
                  <div className="actions">
                    <button type="button" className="btn btn-secondary btn-small" aria-label={`Edit ${item.name}`} onClick={() => setEditing(item)}>
                      Edit
                    </button>
                    <button type="button" className="btn btn-secondary btn-small" aria-label={`Delete ${item.name}`} onClick={() => remove.ask(item)}>
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            )}
          />
        )}
        {list.data && <Pager page={page} perPage={PER_PAGE} total={list.data.meta.total} onPage={setPage} label="Price book pages" />}
      </section>
      <ConfirmDialog title="Delete this item?" confirmLabel="Delete item" danger {...remove.dialog}>
        <p>
          <strong>{remove.target?.name}</strong> leaves the price book. Quotes that used it keep their lines.
        </p>
      </ConfirmDialog>
    </>
  );
}

type ItemFormProps = {
  title: string;
  initial: Draft;
  submitLabel: string;
  send: (d: Draft) => Promise<unknown>;
  onDone: () => void;
  onCancel?: () => void;
};

function ItemForm({ title, initial, submitLabel, send, onDone, onCancel }: ItemFormProps) {
  const [draft, setDraft] = useState(initial);
  const [done, setDone] = useState('');
  const save = useMutation({
    mutationFn: send,
    onSuccess: () => {
      setDraft(initial === EMPTY ? EMPTY : draft);
      setDone(onCancel ? 'Item saved.' : 'Item added.');
      onDone();
    },
  });
  const set = (key: keyof Draft) => (e: { target: { value: string } }) => {
    setDone('');
    setDraft((d) => ({ ...d, [key]: e.target.value }));
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate(draft);
  }
  const errors = fieldErrors(save.error);
  return (
    <section className="card" aria-labelledby="item-form-title">
      <h2 id="item-form-title">{title}</h2>
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={save.error} />
        {/* Editing starts from a row far below the form on a phone: take the eye (and focus) to it. */}
        <Field label="Name" required autoFocus={!!onCancel} maxLength={500} value={draft.name} onChange={set('name')} error={errors.name} />
        <div className="field">
          <label htmlFor="item-description">Description</label>
          <textarea
            id="item-description"
            maxLength={2000}
            value={draft.description}
            onChange={set('description')}
            aria-invalid={errors.description ? true : undefined}
            aria-describedby={errors.description ? 'item-description-error' : undefined}
          />
          {errors.description && (
            <p className="field-error" id="item-description-error">
              {errors.description}
            </p>
          )}
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor="item-unit">Unit</label>
            <select id="item-unit" value={draft.unit} onChange={set('unit')} aria-invalid={errors.unit ? true : undefined}>
              {(Object.keys(UNITS) as Unit[]).map((u) => (
                <option key={u} value={u}>
                  {UNITS[u]}
                </option>
              ))}
            </select>
            {errors.unit && <p className="field-error">{errors.unit}</p>}
          </div>
          <Field
            label="Unit price"
            type="number"
            min={0}
            step="0.01"
            inputMode="decimal"
            value={draft.unit_price}
            onChange={set('unit_price')}
            error={errors.unit_price}
          />
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : submitLabel}
          </button>
          {onCancel && (
            <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={save.isPending}>
              Cancel
            </button>
          )}
          <span role="status">{done}</span>
        </div>
      </form>
    </section>
  );
}
