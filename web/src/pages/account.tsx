/** The signed-in person's own account: who they are, their password, and two-factor sign-in. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import type { TotpEnrolment } from '../api/types.ts';
import { FormMessage, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../components/forms.tsx';
import { Page } from '../components/page.tsx';
import { MonthlyReportSubscription } from '../components/monthly-report-subscription.tsx';
import { roleNames } from '../lib/format.ts';
import { sessionKey, useSession } from '../session.tsx';
import { checkNewPassword, passwordHint } from './password-reset.tsx';

type PasswordField = 'current' | 'password' | 'confirm';

function ChangePassword() {
  const form = useRef<HTMLFormElement>(null);
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors<PasswordField>>({});
  const change = useMutation({
    mutationFn: () => api.changePassword(current, password),
    onSuccess: () => {
      setCurrent('');
      setPassword('');
      setConfirm('');
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'invalid_credentials') setErrors({ current: error.message });
      else if (error instanceof ApiError && error.code === 'weak_password') setErrors({ password: error.message });
      focusFirstInvalid(form.current);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    change.reset();
    const found: FieldErrors<PasswordField> = { ...checkNewPassword(password, confirm) };
    if (!current) found.current = 'Enter your current password.';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    change.mutate();
  }
  const otherError = change.error && !(change.error instanceof ApiError && (change.error.code === 'invalid_credentials' || change.error.code === 'weak_password')) ? errorMessage(change.error) : null;
  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <TextField label="Current password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} error={errors.current} />
      <TextField label="New password" type="password" autoComplete="new-password" hint={passwordHint} value={password} onChange={(e) => setPassword(e.target.value)} error={errors.password} />
      <TextField label="New password again" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={errors.confirm} />
      <FormMessage error={otherError} success={change.isSuccess ? 'Password changed. Any other devices signed in to your account were signed out.' : null} />
      <div className="form-actions">
        <button type="submit" className="button button-secondary" disabled={change.isPending}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}

function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

function groupSecret(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

function SetUpTwoFactor() {
  const session = useSession();
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const start = useMutation({ mutationFn: api.startTotp, onSuccess: setEnrolment });
  const confirm = useMutation({
    mutationFn: (value: string) => api.confirmTotp(value),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: sessionKey });
    },
    onError: (error) => {
      if (error instanceof ApiError && (error.code === 'totp_invalid' || error.status === 400)) {
        setCodeError('That code is not right. Enter the code your app shows now; codes change every 30 seconds.');
        setCode('');
        focusFirstInvalid(form.current);
      }
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const value = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(value)) {
      setCodeError('Enter the 6-digit code from your authenticator app.');
      focusFirstInvalid(form.current);
      return;
    }
    setCodeError(null);
    confirm.mutate(value);
  }
  const requiredBy = session.memberships.filter((m) => m.requireTotp).map((m) => m.clientName);
  if (!enrolment) {
    return (
      <div className="stack">
        <p>
          Two-factor sign-in is <strong>off</strong>. With it on, signing in needs a code from an app on your phone (such as Google Authenticator, 1Password or
          Microsoft Authenticator) as well as your password, so a stolen password alone cannot open your account.
        </p>
        {requiredBy.length ? <p className="notice notice-warning">{requiredBy.join(', ')} requires two-factor sign-in for everyone on its team.</p> : null}
        <FormMessage error={start.error ? errorMessage(start.error) : null} />
        <div className="form-actions">
          <button type="button" className="button button-primary" onClick={() => start.mutate()} disabled={start.isPending}>
            {start.isPending ? 'Starting…' : 'Set up two-factor sign-in'}
          </button>
        </div>
      </div>
    );
  }
  const otherError = confirm.error && !(confirm.error instanceof ApiError && (confirm.error.code === 'totp_invalid' || confirm.error.status === 400)) ? errorMessage(confirm.error) : null;
  return (
    <form ref={form} className="stack" onSubmit={submit} noValidate>
      <ol className="steps">
        <li>
          <p>Open your authenticator app and add an account by scanning this code.</p>
          <img className="totp-qr" src={svgDataUrl(enrolment.qrSvg)} width={200} height={200} alt="QR code to add Hark to your authenticator app" />
          <p className="field-hint">
            Cannot scan it? Enter this key in the app instead: <code className="secret">{groupSecret(enrolment.secret)}</code>
          </p>
        </li>
        <li>
          <TextField
            label="Enter the 6-digit code the app shows"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={7}
            className="field-code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={codeError}
          />
        </li>
      </ol>
      <FormMessage error={otherError} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={confirm.isPending}>
          {confirm.isPending ? 'Checking…' : 'Turn on two-factor sign-in'}
        </button>
      </div>
    </form>
  );
}

type DisableField = 'password' | 'code';

function TurnOffTwoFactor() {
  const session = useSession();
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FieldErrors<DisableField>>({});
  const disable = useMutation({
    mutationFn: () => api.disableTotp(password, code.replace(/\s+/g, '')),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: sessionKey });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'invalid_credentials') setErrors({ password: 'Your password is not right.' });
      else if (error instanceof ApiError && error.code === 'totp_invalid') setErrors({ code: error.message });
      focusFirstInvalid(form.current);
    },
  });
  const requiredBy = session.memberships.filter((m) => m.requireTotp).map((m) => m.clientName);
  if (requiredBy.length) {
    return <p>It stays on because {requiredBy.join(', ')} requires it.</p>;
  }
  if (!open) {
    return (
      <div className="form-actions">
        <button type="button" className="button button-quiet" onClick={() => setOpen(true)}>
          Turn off two-factor sign-in…
        </button>
      </div>
    );
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<DisableField> = {};
    if (!password) found.password = 'Enter your password.';
    if (!/^\d{6}$/.test(code.replace(/\s+/g, ''))) found.code = 'Enter the 6-digit code from your authenticator app.';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    disable.mutate();
  }
  const otherError = disable.error && !(disable.error instanceof ApiError && (disable.error.code === 'invalid_credentials' || disable.error.code === 'totp_invalid')) ? errorMessage(disable.error) : null;
  return (
    <form ref={form} className="stack" onSubmit={submit} noValidate>
      <p>To turn it off, confirm it is you.</p>
      <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={errors.password} />
      <TextField label="Current two-factor code" inputMode="numeric" autoComplete="one-time-code" maxLength={7} className="field-code" value={code} onChange={(e) => setCode(e.target.value)} error={errors.code} />
      <FormMessage error={otherError} />
      <div className="form-actions">
        <button type="submit" className="button button-danger" disabled={disable.isPending}>
          Turn off
        </button>
        <button type="button" className="button button-quiet" onClick={() => setOpen(false)}>
          Keep it on
        </button>
      </div>
    </form>
  );
}

function TwoFactor() {
  const session = useSession();
  return (
    <section className="card section" aria-labelledby="totp-heading" id="two-factor">
      <h2 id="totp-heading">Two-factor sign-in</h2>
      <div role="status">
        {session.user.totpEnabled ? (
          <p className="notice notice-success">
            Two-factor sign-in is <strong>on</strong>. Signing in asks for a code from your authenticator app.
          </p>
        ) : null}
      </div>
      {session.user.totpEnabled ? <TurnOffTwoFactor /> : <SetUpTwoFactor />}
    </section>
  );
}

/** The mobile that alerts by text go to, when an alert rule texts the person's role. */
function AlertMobile() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [mobile, setMobile] = useState(session.user.mobile ?? '');
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => api.updateProfile({ mobile: mobile.trim() || null }),
    onSuccess: async (next) => {
      setMobile(next.user.mobile ?? '');
      setSaved(next.user.mobile ? `Alerts by text go to ${next.user.mobile}.` : 'No alerts by text will come to you.');
      await queryClient.invalidateQueries({ queryKey: sessionKey });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    save.mutate();
  }
  const error = save.error instanceof ApiError && save.error.code === 'invalid_mobile' ? save.error.message : null;
  return (
    <form className="card section stack" onSubmit={submit} noValidate aria-labelledby="alert-mobile-heading">
      <h2 id="alert-mobile-heading">Alerts by text</h2>
      <TextField
        label="Your mobile"
        optional
        hint="When an alert rule texts your role, the alert comes to this number. Leave it empty for email only."
        type="tel"
        autoComplete="tel"
        value={mobile}
        onChange={(e) => setMobile(e.target.value)}
        error={error ?? undefined}
      />
      <FormMessage error={save.error && !error ? errorMessage(save.error) : null} success={saved} />
      <div className="form-actions">
        <button type="submit" className="button button-secondary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save mobile'}
        </button>
      </div>
    </form>
  );
}

export function AccountPage() {
  const session = useSession();
  const membership = session.activeMembership;
  return (
    <Page title="Your account">
      {session.totpSetupRequired ? (
        <div className="notice notice-warning banner" role="alert">
          <p>
            <strong>{membership?.clientName ?? 'This business'} requires two-factor sign-in.</strong> Set it up below to continue to the rest of Hark.
          </p>
        </div>
      ) : null}
      {!session.totpSetupRequired && session.user.totpEnabled && membership?.requireTotp ? (
        <p>
          <Link to="/">Continue to the dashboard</Link>
        </p>
      ) : null}
      <div className="account-grid">
        <section className="card section" aria-labelledby="profile-heading">
          <h2 id="profile-heading">Profile</h2>
          <dl className="facts">
            <div>
              <dt>Name</dt>
              <dd>{session.user.name}</dd>
            </div>
            <div>
              <dt>Email</dt>
              <dd>{session.user.email}</dd>
            </div>
            {session.memberships.map((m) => (
              <div key={m.clientId}>
                <dt>{m.clientName}</dt>
                <dd>{roleNames[m.role]}</dd>
              </div>
            ))}
          </dl>
        </section>
        <AlertMobile />
        {membership && !session.totpSetupRequired ? <MonthlyReportSubscription clientName={membership.clientName} /> : null}
        <TwoFactor />
        <ChangePassword />
      </div>
    </Page>
  );
}
