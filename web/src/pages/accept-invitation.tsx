/** Accepting an invitation: who invited you to what, then a name and password (or your existing password). */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import type { AcceptInvitationBody } from '../api/types.ts';
import { FormMessage, TextField, TotpCodeField, focusFirstInvalid, hasErrors, type FieldErrors } from '../components/forms.tsx';
import { PublicLayout } from '../components/public-layout.tsx';
import { Loading } from '../components/status.tsx';
import { roleHelp, roleNames } from '../lib/format.ts';
import { useTitle } from '../lib/use-title.ts';
import { useStoreSession } from '../session.tsx';
import { checkNewPassword, passwordHint } from './password-reset.tsx';

type InvitationField = 'name' | 'password' | 'confirm' | 'totpCode';

export function AcceptInvitationPage() {
  useTitle('Accept your invitation');
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const storeSession = useStoreSession();
  const form = useRef<HTMLFormElement>(null);
  const invitation = useQuery({ queryKey: ['invitation', token], queryFn: () => api.invitation(token), retry: false, staleTime: Infinity });
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [totpCode, setTotpCode] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [errors, setErrors] = useState<FieldErrors<InvitationField>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const accept = useMutation({
    mutationFn: (body: AcceptInvitationBody) => api.acceptInvitation(token, body),
    onSuccess: (session) => {
      storeSession(session);
      void navigate(session.totpSetupRequired ? '/account' : '/', { replace: true });
    },
    onError: (error) => {
      // An existing account with two-factor sign-in joins with its code, as at sign-in.
      if (error instanceof ApiError && (error.code === 'totp_required' || error.code === 'totp_invalid')) {
        setNeedTotp(true);
        setErrors(error.code === 'totp_invalid' ? { totpCode: error.message } : {});
        if (error.code === 'totp_required') setFormError(null);
        focusFirstInvalid(form.current);
        return;
      }
      if (error instanceof ApiError && (error.code === 'weak_password' || error.code === 'invalid_credentials')) {
        setErrors({ password: error.message });
        focusFirstInvalid(form.current);
      } else {
        setFormError(errorMessage(error));
      }
    },
  });

  if (invitation.isPending) {
    return (
      <PublicLayout>
        <h1>Accept your invitation</h1>
        <Loading label="Checking your invitation…" />
      </PublicLayout>
    );
  }
  if (invitation.error) {
    const gone = invitation.error instanceof ApiError && (invitation.error.status === 410 || invitation.error.status === 400);
    return (
      <PublicLayout>
        <h1>This invitation does not work</h1>
        <p className="notice notice-error" role="alert">
          {gone && invitation.error instanceof ApiError && invitation.error.status === 410
            ? invitation.error.message
            : gone
              ? 'This invitation link is not complete. Open the whole link from the email.'
              : errorMessage(invitation.error)}
        </p>
        <p>
          Already have an account? <Link to="/login">Sign in</Link>
        </p>
      </PublicLayout>
    );
  }
  const info = invitation.data;

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    let found: FieldErrors<InvitationField>;
    const code = totpCode.replace(/\s+/g, '');
    if (info.hasAccount) {
      found = password ? {} : { password: 'Enter the password of your Hark account.' };
      if (needTotp && !/^\d{6}$/.test(code)) found = { ...found, totpCode: 'Enter the 6-digit code from your authenticator app.' };
    } else {
      found = checkNewPassword(password, confirm);
      if (!name.trim()) found = { name: 'Enter your name, as your colleagues know you.', ...found };
    }
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    accept.mutate(info.hasAccount ? { password, ...(needTotp ? { totpCode: code } : {}) } : { name: name.trim(), password });
  }

  return (
    <PublicLayout>
      <h1>Join {info.clientName} on Hark</h1>
      <p>
        You are invited as <strong>{roleNames[info.role].toLowerCase()}</strong>: {roleHelp[info.role].charAt(0).toLowerCase() + roleHelp[info.role].slice(1)}
      </p>
      <form ref={form} onSubmit={submit} noValidate className="stack">
        <TextField label="Email" type="email" autoComplete="username" value={info.email} readOnly hint="The invitation was sent to this address." />
        {info.hasAccount ? (
          <TextField
            label="Your Hark password"
            type="password"
            autoComplete="current-password"
            hint="You already have a Hark account with this address. Enter its password to join."
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={errors.password}
            required
          />
        ) : null}
        {info.hasAccount && needTotp ? (
          <TotpCodeField value={totpCode} onChange={setTotpCode} error={errors.totpCode} />
        ) : null}
        {info.hasAccount ? null : (
          <>
            <TextField label="Your name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} required />
            <TextField
              label="Choose a password"
              type="password"
              autoComplete="new-password"
              hint={passwordHint}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={errors.password}
              required
            />
            <TextField
              label="Password again"
              type="password"
              autoComplete="new-password"
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
              error={errors.confirm}
              required
            />
          </>
        )}
        <FormMessage error={formError} />
        <div className="form-actions">
          <button type="submit" className="button button-primary button-wide" disabled={accept.isPending}>
            {accept.isPending ? 'Joining…' : `Join ${info.clientName}`}
          </button>
        </div>
      </form>
    </PublicLayout>
  );
}
