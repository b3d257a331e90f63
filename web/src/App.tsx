import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import Layout from './components/Layout';
import RequireAuth, { RequireManager } from './components/RequireAuth';
import HomePage from './pages/crm/HomePage';
import LeadsPage from './pages/crm/LeadsPage';
import LeadFormPage from './pages/crm/LeadFormPage';
import LeadPage from './pages/crm/LeadPage';
import BoardPage from './pages/crm/BoardPage';
import QuotesPage from './pages/crm/QuotesPage';
import QuoteEditorPage from './pages/crm/QuoteEditorPage';
import AppointmentsPage from './pages/crm/AppointmentsPage';
import LoginPage from './pages/LoginPage';
import SignupPage from './pages/SignupPage';
import InvitePage from './pages/InvitePage';
import ApiKeysPage from './pages/integrations/ApiKeysPage';
import WebhooksPage from './pages/integrations/WebhooksPage';
import WebhookPage from './pages/integrations/WebhookPage';
import IntakeFormsPage from './pages/integrations/IntakeFormsPage';
import IntakeFormPage from './pages/integrations/IntakeFormPage';
import TeamPage from './pages/TeamPage';
import SettingsPage from './pages/SettingsPage';
import ProfilePage from './pages/ProfilePage';
import AgentPage from './pages/agent/AgentPage';
import AutomationsPage from './pages/automations/AutomationsPage';
import PriceBookPage from './pages/PriceBookPage';
import NotFoundPage from './pages/NotFoundPage';

const router = createBrowserRouter(
  [
    { path: '/login', element: <LoginPage /> },
    { path: '/signup', element: <SignupPage /> },
    { path: '/invite/:token', element: <InvitePage /> },
    {
      element: (
        <RequireAuth>
          <Layout />
        </RequireAuth>
      ),
      children: [
        { index: true, element: <HomePage /> },
        { path: 'leads', element: <LeadsPage /> },
        { path: 'leads/new', element: <LeadFormPage /> },
        { path: 'leads/:id', element: <LeadPage /> },
        { path: 'leads/:id/edit', element: <LeadFormPage /> },
        { path: 'board', element: <BoardPage /> },
        { path: 'quotes', element: <QuotesPage /> },
        { path: 'quotes/new', element: <QuoteEditorPage /> },
        { path: 'quotes/:id', element: <QuoteEditorPage /> },
        { path: 'appointments', element: <AppointmentsPage /> },
        { path: 'price-book', element: <PriceBookPage /> },
        { path: 'agent', element: <RequireManager />, children: [{ index: true, element: <AgentPage /> }] },
        { path: 'automations', element: <RequireManager />, children: [{ index: true, element: <AutomationsPage /> }] },
        {
          path: 'integrations',
          element: <RequireManager />,
          children: [
            { index: true, element: <Navigate to="/integrations/keys" replace /> },
            { path: 'keys', element: <ApiKeysPage /> },
            { path: 'webhooks', element: <WebhooksPage /> },
            { path: 'webhooks/:id', element: <WebhookPage /> },
            { path: 'forms', element: <IntakeFormsPage /> },
            { path: 'forms/:id', element: <IntakeFormPage /> },
          ],
        },
        { path: 'team', element: <RequireManager />, children: [{ index: true, element: <TeamPage /> }] },
        { path: 'settings', element: <SettingsPage /> },
        { path: 'profile', element: <ProfilePage /> },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ],
  { basename: '/app' },
);

export default function App() {
  return <RouterProvider router={router} />;
}
