import { Link } from 'react-router';
import { useTitle } from '../components/useTitle';

export default function NotFoundPage() {
  useTitle('Page not found');
  return (
    <section className="card">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Go to the home page</Link>.
      </p>
    </section>
  );
}
