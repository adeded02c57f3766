import { Alert } from '@/components/ui/alert';

import { signInErrorMessage } from '../utils/sign-in-error';

/** Explains why the last sign-in through an identity provider failed (/login?error=<reason>). */
export function SignInError({ reason }: { reason: string | null }) {
  if (!reason) return null;
  return <Alert>{signInErrorMessage(reason)}</Alert>;
}
