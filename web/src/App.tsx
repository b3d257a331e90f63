import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import RequireAuth, { RequireManager } from './components/RequireAuth';
import LoginPage from './pages/LoginPage';

// Every page but the log-in page is a chunk of its own, fetched when first opened: the log-in page,
// the first a phone on a slow line sees, loads only what it needs.
const Layout = lazy(() => import('./components/Layout'));
const HomePage = lazy(() => import('./pages/crm/HomePage'));
const LeadsPage = lazy(() => import('./pages/crm/LeadsPage'));
const InboxPage = lazy(() => import('./pages/inbox/InboxPage'));
const LeadFormPage = lazy(() => import('./pages/crm/LeadFormPage'));
const LeadPage = lazy(() => import('./pages/crm/LeadPage'));
const BoardPage = lazy(() => import('./pages/crm/BoardPage'));
const QuotesPage = lazy(() => import('./pages/crm/QuotesPage'));
const QuoteEditorPage = lazy(() => import('./pages/crm/QuoteEditorPage'));
const AppointmentsPage = lazy(() => import('./pages/crm/AppointmentsPage'));
const SignupPage = lazy(() => import('./pages/SignupPage'));
const InvitePage = lazy(() => import('./pages/InvitePage'));
const ApiKeysPage = lazy(() => import('./pages/integrations/ApiKeysPage'));
const WebhooksPage = lazy(() => import('./pages/integrations/WebhooksPage'));
const WebhookPage = lazy(() => import('./pages/integrations/WebhookPage'));
const IntakeFormsPage = lazy(() => import('./pages/integrations/IntakeFormsPage'));
const IntakeFormPage = lazy(() => import('./pages/integrations/IntakeFormPage'));
const TeamPage = lazy(() => import('./pages/TeamPage'));
const SettingsPage = lazy(() => import('./pages/SettingsPage'));
const ProfilePage = lazy(() => import('./pages/ProfilePage'));
const AgentPage = lazy(() => import('./pages/agent/AgentPage'));
const AutomationsPage = lazy(() => import('./pages/automations/AutomationsPage'));
const PriceBookPage = lazy(() => import('./pages/PriceBookPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

const page = (element: ReactNode) => (
  <Suspense
    fallback={
      <p className="page-loading" role="status">
        Loading…
      </p>
    }
  >
    {element}
  </Suspense>
);

const router = createBrowserRouter(
  [
    { path: '/login', element: <LoginPage /> },
    { path: '/signup', element: page(<SignupPage />) },
    { path: '/invite/:token', element: page(<InvitePage />) },
    {
      element: <RequireAuth>{page(<Layout />)}</RequireAuth>,
      children: [
        { index: true, element: page(<HomePage />) },
        { path: 'inbox', element: page(<InboxPage />) },
        { path: 'leads', element: page(<LeadsPage />) },
        { path: 'leads/new', element: page(<LeadFormPage />) },
        { path: 'leads/:id', element: page(<LeadPage />) },
        { path: 'leads/:id/edit', element: page(<LeadFormPage />) },
        { path: 'board', element: page(<BoardPage />) },
        { path: 'quotes', element: page(<QuotesPage />) },
        { path: 'quotes/new', element: page(<QuoteEditorPage />) },
        { path: 'quotes/:id', element: page(<QuoteEditorPage />) },
        { path: 'appointments', element: page(<AppointmentsPage />) },
        { path: 'price-book', element: page(<PriceBookPage />) },
        { path: 'agent', element: <RequireManager />, children: [{ index: true, element: page(<AgentPage />) }] },
        { path: 'automations', element: <RequireManager />, children: [{ index: true, element: page(<AutomationsPage />) }] },
        {
          path: 'integrations',
          element: <RequireManager />,
          children: [
            { index: true, element: <Navigate to="/integrations/keys" replace /> },
            { path: 'keys', element: page(<ApiKeysPage />) },
            { path: 'webhooks', element: page(<WebhooksPage />) },
            { path: 'webhooks/:id', element: page(<WebhookPage />) },
            { path: 'forms', element: page(<IntakeFormsPage />) },
            { path: 'forms/:id', element: page(<IntakeFormPage />) },
          ],
        },
        { path: 'team', element: <RequireManager />, children: [{ index: true, element: page(<TeamPage />) }] },
        { path: 'settings', element: page(<SettingsPage />) },
        { path: 'profile', element: page(<ProfilePage />) },
        { path: '*', element: page(<NotFoundPage />) },
      ],
    },
  ],
  { basename: '/app' },
);

export default function App() {
  return <RouterProvider router={router} />;
}
