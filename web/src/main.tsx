import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError, SETTINGS_KEY } from './api';
import { setCompanyCountry } from './components/company-locale';
import type { SettingsView } from '../../src/features/companies/settings.routes';
import App from './App';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a network blip might.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      // Ask even when the browser says it is offline: the request fails at once and the page shows
      // why, with a Retry, instead of "Loading…" that never ends.
      networkMode: 'always',
    },
    mutations: { networkMode: 'always' },
  },
});

// Dates, numbers and phones follow the company's country: its settings set the locale as they
// arrive (a load or a save), before the pages that show them render.
queryClient.getQueryCache().subscribe((event) => {
  if (event.type !== 'updated' || event.query.queryKey[0] !== SETTINGS_KEY[0]) return;
  setCompanyCountry((event.query.state.data as SettingsView | undefined)?.country);
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
