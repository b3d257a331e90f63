import { Children, cloneElement, isValidElement, type ReactElement, type ReactNode } from 'react';

/** A column heading: its text, or the text with a class (e.g. `num`) and whether only screen readers get it. */
export type Column = string | { label: string; className?: string; hidden?: boolean };

/** The unlabelled last column of a table's row buttons, named for screen readers. */
export const ACTIONS: Column = { label: 'Actions', hidden: true };

const columnOf = (c: Column) => (typeof c === 'string' ? { label: c } : c);

// The explicit roles keep a table a table for screen readers once a phone's CSS lays its rows out as
// cards (display: block drops the implicit ones in some browsers).
export function TableHead({ columns, hiddenClassName = 'visually-hidden' }: { columns: Column[]; hiddenClassName?: string }) {
  return (
    <thead role="rowgroup">
      <tr role="row">
        {columns.map((c) => {
          const { label, className, hidden } = columnOf(c);
          return (
            <th scope="col" role="columnheader" key={label} className={className}>
              {hidden ? <span className={hiddenClassName}>{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

type CellProps = { 'data-label'?: string; role?: string; colSpan?: number };

/**
 * A row as a phone shows it: each cell carries its column's name (`data-label`), which the CSS puts
 * before the value once the row is a card. Rows are `<tr>`s of `<td>`s, as every table here writes them;
 * anything else is left as it is.
 */
export function labelCells(row: ReactNode, columns: Column[]): ReactNode {
  if (!isValidElement<{ children?: ReactNode }>(row) || row.type !== 'tr') return row;
  let index = 0;
  const cells = Children.map(row.props.children, (cell) => {
    if (!isValidElement<CellProps>(cell) || cell.type !== 'td') return cell;
    const column = columns[index] && columnOf(columns[index]);
    index += cell.props.colSpan ?? 1;
    const label = column && !column.hidden && cell.props.colSpan === undefined ? column.label : undefined;
    return cloneElement(cell as ReactElement<CellProps>, { role: 'cell', 'data-label': label });
  });
  return cloneElement(row as ReactElement<{ role?: string; children?: ReactNode }>, { role: 'row' }, cells);
}

type TableProps<T> = {
  columns: Column[];
  rows: T[];
  row: (item: T) => ReactNode;
  /** The one row shown when there are no rows; none if left out. */
  empty?: ReactNode;
};

/**
 * A table of the dashboard's cards: column headings, then a row per item (or the empty message). On a
 * phone each row becomes a card of labelled lines (phone.css, `table-cards`), so no table is wider
 * than the screen.
 */
export function Table<T>({ columns, rows, row, empty }: TableProps<T>) {
  return (
    <div className="table-wrap">
      <table role="table" className="table-cards">
        <TableHead columns={columns} />
        <tbody role="rowgroup">
          {rows.length === 0 && empty && (
            <tr role="row">
              <td role="cell" colSpan={columns.length} className="empty">
                {empty}
              </td>
            </tr>
          )}
          {rows.map((item) => labelCells(row(item), columns))}
        </tbody>
      </table>
    </div>
  );
}
