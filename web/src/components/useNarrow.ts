import { useSyncExternalStore } from 'react';

/** Where the dashboard switches to its phone layout; the same number as the CSS's `max-width: 700px`. */
export const PHONE_QUERY = '(max-width: 700px)';

const subscribe = (onChange: () => void) => {
  const list = window.matchMedia(PHONE_QUERY);
  list.addEventListener('change', onChange);
  return () => list.removeEventListener('change', onChange);
};

/**
 * True on a phone's width. For what CSS cannot do alone (a form that is a sheet on a phone and inline on
 * a desk); layout that CSS can do stays in CSS.
 */
export function useNarrow(): boolean {
  return useSyncExternalStore(subscribe, () => window.matchMedia(PHONE_QUERY).matches);
}
