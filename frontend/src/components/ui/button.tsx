import { Button as MantineButton } from '@mantine/core';
import type { ButtonHTMLAttributes } from 'react';

export type ButtonVariant = 'primary' | 'secondary';

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'color'> & {
  variant?: ButtonVariant;
};

/** Mantine's variants for ours: a filled primary action, an outlined secondary one. */
export const mantineVariant = { primary: 'filled', secondary: 'default' } as const;

export function Button({ variant = 'primary', type = 'button', ...props }: ButtonProps) {
  return <MantineButton type={type} variant={mantineVariant[variant]} {...props} />;
}
