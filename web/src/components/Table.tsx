import type { ReactNode } from 'react';

/** A column heading: its text, or the text with a class (e.g. `num`) and whether only screen readers get it. */
export type Column = string | { label: string; className?: string; hidden?: boolean };

/** The unlabelled last column of a table's row buttons, named for screen readers. */
export const ACTIONS: Column = { label: 'Actions', hidden: true };

export function TableHead({ columns, hiddenClassName = 'visually-hidden' }: { columns: Column[]; hiddenClassName?: string }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => {
          const { label, className, hidden } = typeof c === 'string' ? { label: c } : c;
          return (
            <th scope="col" key={label} className={className}>
              {hidden ? <span className={hiddenClassName}>{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

type TableProps<T> = {
  columns: Column[];
  rows: T[];
  row: (item: T) => ReactNode;
  /** The one row shown when there are no rows; none if left out. */
  empty?: ReactNode;
};

/** A scrollable table of the dashboard's cards: column headings, then a row per item (or the empty message). */
export function Table<T>({ columns, rows, row, empty }: TableProps<T>) {
  return (
    <div className="table-wrap">
      <table>
        <TableHead columns={columns} />
        <tbody>
          {rows.length === 0 && empty && (
            <tr>
              <td colSpan={columns.length} className="empty">
                {empty}
              </td>
            </tr>
          )}
          {rows.map(row)}
        </tbody>
      </table>
    </div>
  );
}
