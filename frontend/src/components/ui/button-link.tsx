import { Button } from '@mantine/core';
import type { AnchorHTMLAttributes } from 'react';

import { mantineVariant, type ButtonVariant } from './button';

type ButtonLinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'color'> & {
  href: string;
  variant?: ButtonVariant;
};

/**
 * A plain link that looks like a button, for actions that leave the
 * dashboard with a full page load (such as signing in at an identity
 * provider). In-app navigation uses the router's Link instead.
 */
export function ButtonLink({ variant = 'primary', ...props }: ButtonLinkProps) {
  return <Button component="a" variant={mantineVariant[variant]} {...props} />;
}
