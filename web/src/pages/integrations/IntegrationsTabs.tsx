import { NavLink } from 'react-router';

export default function IntegrationsTabs() {
  return (
    <nav className="tabs" aria-label="Integrations">
      <NavLink to="/integrations/keys">API keys</NavLink>
      <NavLink to="/integrations/webhooks">Webhooks</NavLink>
      <NavLink to="/integrations/forms">Lead forms</NavLink>
    </nav>
  );
}
