import { Link } from 'react-router';

import { PRODUCT_NAME } from '@/config/app';
import { paths } from '@/config/paths';

export function NotFoundRoute() {
  return (
    <div className="page">
      <title>{`Page not found · ${PRODUCT_NAME}`}</title>
      <h1 className="page__title">Page not found</h1>
      <p>
        There is nothing here. <Link to={paths.home}>Go to the dashboard</Link>
      </p>
    </div>
  );
}
