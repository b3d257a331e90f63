// A select whose choice is saved at once (a lead's stage, the board's "Move to", an appointment's
// status). Browsers fire `change` on every arrow key of a closed select, so a keyboard user passing
// through the options would save each one: a choice made with the keyboard is held until Enter or
// until focus leaves the select; a choice picked with the pointer is saved as it is picked. The select
// is never disabled while it saves, since a disabled element drops focus to the top of the page.
import { useEffect, useRef, useState, type ReactNode, type SelectHTMLAttributes } from 'react';

type Props = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'defaultValue'> & {
  value: string;
  onSave(value: string): void;
  saving?: boolean;
  children: ReactNode;
};

// Keys that move a closed select's choice (type-ahead letters too).
const isMoveKey = (e: React.KeyboardEvent) =>
  ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown'].includes(e.key) ||
  (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey);

export function SaveSelect({ value, onSave, saving, children, onKeyDown, onBlur, onPointerDown, ...rest }: Props) {
  const [draft, setDraft] = useState(value);
  const byKeyboard = useRef(false);
  // The choice last sent: blur after a pointer choice must not send it again while it is saving.
  const sent = useRef(value);
  // Once nothing is saving, the select shows what is saved (a refused choice goes back).
  useEffect(() => {
    if (saving) return;
    setDraft(value);
    sent.current = value;
  }, [value, saving]);

  function save(next: string) {
    if (next === value || next === sent.current) return;
    sent.current = next;
    onSave(next);
  }

  return (
    <select
      {...rest}
      value={draft}
      aria-busy={saving || undefined}
      onPointerDown={(e) => {
        byKeyboard.current = false;
        onPointerDown?.(e);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          save(draft);
        } else if (e.key === 'Escape' && draft !== value) {
          setDraft(value);
        } else if (isMoveKey(e)) {
          byKeyboard.current = true;
        }
        onKeyDown?.(e);
      }}
      onChange={(e) => {
        setDraft(e.target.value);
        if (!byKeyboard.current) save(e.target.value);
      }}
      onBlur={(e) => {
        save(draft);
        byKeyboard.current = false;
        onBlur?.(e);
      }}
    >
      {children}
    </select>
  );
}
