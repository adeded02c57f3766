import type { FormEvent } from 'react';

import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/text-field';
import { ApiError, errorMessage } from '@/lib/api/errors';

import { useLogin } from '../api/login';

type Feedback = {
  form?: string;
  fields: Partial<Record<'username' | 'password', string>>;
};

function describe(error: unknown): Feedback {
  if (error instanceof ApiError) {
    if (error.status === 429) {
      const wait = error.retryAfter;
      return {
        form:
          wait === undefined
            ? 'Too many attempts — try again later.'
            : `Too many attempts — try again in ${wait} ${wait === 1 ? 'second' : 'seconds'}.`,
        fields: {},
      };
    }
    if (error.field === 'username' || error.field === 'password') {
      return { fields: { [error.field]: error.message } };
    }
  }
  return { form: errorMessage(error), fields: {} };
}

/**
 * Username and password sign-in. On success the principal lands in the me
 * query, and the page around the form decides where to go next.
 */
export function LoginForm() {
  const login = useLogin();
  const feedback: Feedback = login.error ? describe(login.error) : { fields: {} };

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    login.mutate({
      username: String(data.get('username') ?? ''),
      password: String(data.get('password') ?? ''),
    });
  }

  return (
    <form className="form" onSubmit={onSubmit} aria-label="Sign in">
      {feedback.form ? <Alert>{feedback.form}</Alert> : null}
      <TextField
        label="Username"
        name="username"
        type="text"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        required
        error={feedback.fields.username}
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        error={feedback.fields.password}
      />
      <Button type="submit" disabled={login.isPending} className="form__submit">
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
