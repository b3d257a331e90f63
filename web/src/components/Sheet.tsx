import { useEffect, useId, useRef, type ReactNode } from 'react';

type SheetProps = {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  /** The label of the close button; "Close" unless told. */
  closeLabel?: string;
};

/**
 * A panel that slides over the page from the bottom of a phone's screen: a modal `<dialog>`, so focus
 * stays inside, Escape closes it and the page behind cannot be tapped by mistake.
 */
export function Sheet({ open, onClose, title, children, closeLabel = 'Close' }: SheetProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="sheet"
      aria-labelledby={titleId}
      onClose={onClose}
      // A tap on the backdrop (the dialog itself, outside its panel) closes it, as on a phone's own sheets.
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="sheet-panel">
        <div className="sheet-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="btn btn-secondary sheet-close" onClick={onClose}>
            {closeLabel}
          </button>
        </div>
        {open && children}
      </div>
    </dialog>
  );
}
