import { useEffect } from 'react';

// The page's own title and the inbox's unread count, which any page's title carries ("(2) Leads").
let pageTitle = 'QuoteLeads';
let unreadCount = 0;
const show = () => {
  document.title = `${unreadCount > 0 ? `(${unreadCount}) ` : ''}${pageTitle} · QuoteLeads`;
};

export function useTitle(title: string) {
  useEffect(() => {
    pageTitle = title;
    show();
  }, [title]);
}

/** The unread count in front of every page's title (web/src/pages/inbox/inbox-api.ts keeps it). */
export function setTitleCount(n: number) {
  unreadCount = n;
  show();
}
