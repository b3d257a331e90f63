import type { ReactNode } from 'react';

/** The frame of the pages one sees logged out: a landmark each, one card. */
export default function AuthCard({ children }: { children: ReactNode }) {
  return (
    <div className="auth-page">
      <main className="auth-card card" id="main">
        <span className="brand">QuoteLeads</span>
        {children}
      </main>
    </div>
  );
}
