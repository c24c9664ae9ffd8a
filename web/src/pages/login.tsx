/** Signing in: email and password, then a two-factor code when the account has one. */
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import type { LoginBody } from '../api/types.ts';
import { FormMessage, TextField, TotpCodeField, focusFirstInvalid, hasErrors, type FieldErrors } from '../components/forms.tsx';
import { PublicLayout } from '../components/public-layout.tsx';
import { Loading } from '../components/status.tsx';
import { useTitle } from '../lib/use-title.ts';
import { takeSignedOutNotice, useSessionQuery, useStoreSession } from '../session.tsx';

/** Where to go after signing in: only a path inside the portal, never another site. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

type LoginField = 'email' | 'password' | 'totpCode';

export function LoginPage() {
  useTitle('Sign in');
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [signedOut] = useState(takeSignedOutNotice);
  const navigate = useNavigate();
  const storeSession = useStoreSession();
  const session = useSessionQuery();
  const form = useRef<HTMLFormElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);

  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totpCode, setTotpCode] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors<LoginField>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const login = useMutation({
    mutationFn: (body: LoginBody) => api.login(body),
    onSuccess: (result) => {
      storeSession(result);
      void navigate(result.totpSetupRequired ? '/account' : next, { replace: true });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'totp_required') {
        setNeedTotp(true);
        setFormError(null);
        return;
      }
      if (error instanceof ApiError && error.code === 'totp_invalid') {
        setFieldErrors({ totpCode: error.message });
        setTotpCode('');
        focusFirstInvalid(form.current);
        return;
      }
      setFormError(errorMessage(error));
    },
  });

  useEffect(() => {
    if (needTotp) codeInput.current?.focus();
  }, [needTotp]);

  if (session.data) return <Navigate to={next} replace />;

  function submit(event: FormEvent) {
    event.preventDefault();
    const errors: FieldErrors<LoginField> = {};
    if (!email.trim()) errors.email = 'Enter your email address.';
    else if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) errors.email = 'Enter an email address like name@example.com.';
    if (!password) errors.password = 'Enter your password.';
    const code = totpCode.replace(/\s+/g, '');
    if (needTotp && !/^\d{6}$/.test(code)) errors.totpCode = 'Enter the 6-digit code from your authenticator app.';
    setFieldErrors(errors);
    setFormError(null);
    if (hasErrors(errors)) {
      focusFirstInvalid(form.current);
      return;
    }
    login.mutate({ email: email.trim(), password, ...(needTotp ? { totpCode: code } : {}) });
  }

  return (
    <PublicLayout>
      <h1>Sign in to Hark</h1>
      {signedOut ? (
        <p className="notice notice-success" role="status">
          You have signed out.
        </p>
      ) : null}
      {session.isPending ? <Loading label="Checking whether you are signed in…" /> : null}
      <form ref={form} onSubmit={submit} noValidate className="stack">
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fieldErrors.email}
          readOnly={needTotp}
          required
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldErrors.password}
          readOnly={needTotp}
          required
        />
        {needTotp ? (
          <TotpCodeField ref={codeInput} value={totpCode} onChange={setTotpCode} error={fieldErrors.totpCode} />
        ) : null}
        <FormMessage error={formError} success={needTotp && !fieldErrors.totpCode ? 'Password accepted. Now enter your two-factor code.' : null} />
        <div className="form-actions">
          <button type="submit" className="button button-primary button-wide" disabled={login.isPending}>
            {login.isPending ? 'Signing in…' : needTotp ? 'Verify and sign in' : 'Sign in'}
          </button>
          {needTotp ? (
            <button
              type="button"
              className="button button-quiet"
              onClick={() => {
                setNeedTotp(false);
                setTotpCode('');
                setPassword('');
                setFieldErrors({});
              }}
            >
              Use another account
            </button>
          ) : null}
        </div>
      </form>
      <p className="after-form">
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
    </PublicLayout>
  );
}
