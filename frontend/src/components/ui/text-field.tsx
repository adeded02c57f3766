import { PasswordInput, TextInput } from '@mantine/core';
import type { InputHTMLAttributes } from 'react';

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'size'> & {
  label: string;
  /** Shown under the input and tied to it with aria-describedby. */
  error?: string | undefined;
};

/**
 * A labelled text input; type="password" gets a show/hide toggle. Required
 * fields carry the required attribute without an asterisk in the label: on
 * a form where every field is needed, the asterisk only adds noise.
 */
export function TextField({ label, error, type, ...props }: TextFieldProps) {
  if (type === 'password') {
    return <PasswordInput label={label} error={error} withAsterisk={false} {...props} />;
  }
  return <TextInput label={label} error={error} type={type} withAsterisk={false} {...props} />;
}
