import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';

/**
 * An action on one item that a ConfirmDialog asks about first: `ask(item)` opens the dialog (clearing the last
 * attempt's error), `dialog` wires it to the request, which closes it when it succeeds.
 */
export function useConfirmedAction<T>(run: (item: T) => Promise<unknown>, onDone?: () => void) {
  const [target, setTarget] = useState<T | null>(null);
  const mutation = useMutation({
    mutationFn: run,
    onSuccess: () => {
      setTarget(null);
      onDone?.();
    },
  });
  return {
    target,
    mutation,
    ask(item: T) {
      mutation.reset();
      setTarget(item);
    },
    dialog: {
      open: target !== null,
      busy: mutation.isPending,
      error: mutation.error,
      onCancel: () => setTarget(null),
      onConfirm: () => {
        if (target !== null) mutation.mutate(target);
      },
    },
  };
}
