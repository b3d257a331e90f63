import type { ReactNode } from 'react';

type PagerProps = {
  page: number;
  perPage: number;
  total: number;
  onPage: (page: number) => void;
  /** Makes the controls a navigation landmark of this name; without it they are a plain row of buttons. */
  label?: string;
  className?: string;
  buttonClassName?: string;
  /** Shown before the buttons, e.g. which items this page holds. */
  children?: ReactNode;
};

/** Previous / Page n of m / Next under a paged list; nothing while everything fits on one page. */
export function Pager({ page, perPage, total, onPage, label, className = 'pager', buttonClassName = 'btn btn-secondary btn-small', children }: PagerProps) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return null;
  const controls = (
    <>
      {children}
      <button type="button" className={buttonClassName} disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" className={buttonClassName} disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </>
  );
  return label ? (
    <nav className={className} aria-label={label}>
      {controls}
    </nav>
  ) : (
    <div className={className}>{controls}</div>
  );
}
