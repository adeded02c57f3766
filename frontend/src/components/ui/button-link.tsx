import type { AnchorHTMLAttributes } from 'react';

import { buttonClassName, type ButtonVariant } from './button';

type ButtonLinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & {
  href: string;
  variant?: ButtonVariant;
};

/**
 * A plain link that looks like a button, for actions that leave the
 * dashboard with a full page load (such as signing in at an identity
 * provider). In-app navigation uses the router's Link instead.
 */
export function ButtonLink({ variant = 'primary', className, ...props }: ButtonLinkProps) {
  return <a className={buttonClassName(variant, className)} {...props} />;
}
