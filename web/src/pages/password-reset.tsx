/** Forgotten passwords: ask for a link by email, then choose a new password with it. */
import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import { FormMessage, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../components/forms.tsx';
import { PublicLayout } from '../components/public-layout.tsx';
import { useTitle } from '../lib/use-title.ts';

export const passwordHint = 'At least 10 characters. A few unrelated words make a strong password that is easy to remember.';

export function ForgotPasswordPage() {
  useTitle('Reset your password');
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const request = useMutation({ mutationFn: (address: string) => api.requestPasswordReset(address) });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
      setError('Enter the email address you sign in with, like name@example.com.');
      focusFirstInvalid(form.current);
      return;
    }
    setError(null);
    request.mutate(email.trim());
  }

  return (
    <PublicLayout>
      <h1>Reset your password</h1>
      {request.isSuccess ? (
        <div className="stack">
          <p className="notice notice-success" role="status">
            {request.data.message}
          </p>
          <p>The link works for one hour. Check your spam folder if nothing arrives in a few minutes.</p>
          <p>
            <Link to="/login">Back to sign in</Link>
          </p>
        </div>
      ) : (
        <>
          <p>Enter the email address you sign in with. We will email you a link to choose a new password.</p>
          <form ref={form} onSubmit={submit} noValidate className="stack">
            <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={error} required />
            <FormMessage error={request.error ? errorMessage(request.error) : null} />
            <div className="form-actions">
              <button type="submit" className="button button-primary button-wide" disabled={request.isPending}>
                {request.isPending ? 'Sending…' : 'Email me a link'}
              </button>
            </div>
          </form>
          <p className="after-form">
            <Link to="/login">Back to sign in</Link>
          </p>
        </>
      )}
    </PublicLayout>
  );
}

type NewPasswordField = 'password' | 'confirm';

/** Checks a new password and its repetition the way the server will, so most mistakes show at once. */
export function checkNewPassword(password: string, confirm: string): FieldErrors<NewPasswordField> {
  const errors: FieldErrors<NewPasswordField> = {};
  if (!password) errors.password = 'Choose a password.';
  else if (password.length < 10) errors.password = 'Use at least 10 characters.';
  if (password && confirm !== password) errors.confirm = 'The two passwords are not the same.';
  return errors;
}

export function ResetPasswordPage() {
  useTitle('Choose a new password');
  const { token = '' } = useParams();
  const form = useRef<HTMLFormElement>(null);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors<NewPasswordField>>({});
  const [linkInvalid, setLinkInvalid] = useState<string | null>(null);
  const reset = useMutation({
    mutationFn: () => api.confirmPasswordReset(token, password),
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'weak_password') {
        setErrors({ password: error.message });
        focusFirstInvalid(form.current);
      } else if (error instanceof ApiError && (error.status === 410 || error.code === 'validation_failed')) {
        setLinkInvalid(error.status === 410 ? error.message : 'This reset link is not complete. Copy the whole link from the email, or ask for a new one.');
      }
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = checkNewPassword(password, confirm);
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    reset.mutate();
  }

  if (reset.isSuccess) {
    return (
      <PublicLayout>
        <h1>Password changed</h1>
        <p className="notice notice-success" role="status">
          Your new password is set. You were signed out everywhere else.
        </p>
        <p>
          <Link className="button button-primary" to="/login">
            Sign in
          </Link>
        </p>
      </PublicLayout>
    );
  }
  if (linkInvalid) {
    return (
      <PublicLayout>
        <h1>This link does not work</h1>
        <p className="notice notice-error" role="alert">
          {linkInvalid}
        </p>
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </PublicLayout>
    );
  }
  const otherError = reset.error && !(reset.error instanceof ApiError && reset.error.code === 'weak_password') ? errorMessage(reset.error) : null;
  return (
    <PublicLayout>
      <h1>Choose a new password</h1>
      <form ref={form} onSubmit={submit} noValidate className="stack">
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint={passwordHint}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          required
        />
        <TextField
          label="New password again"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={errors.confirm}
          required
        />
        <FormMessage error={otherError} />
        <div className="form-actions">
          <button type="submit" className="button button-primary button-wide" disabled={reset.isPending}>
            {reset.isPending ? 'Saving…' : 'Save new password'}
          </button>
        </div>
      </form>
    </PublicLayout>
  );
}
