/**
 * Form controls with their label, hint and error tied together: each error is linked to its
 * control by aria-describedby and marks it aria-invalid, so a screen reader reads the
 * problem with the field.
 */
import { useId, useState, type InputHTMLAttributes, type Ref, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

interface FieldBits {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null | undefined;
  /** Shown after the label in lighter text, e.g. "(optional)". */
  optional?: boolean;
}

function describedBy(hintId: string | null, errorId: string | null, extra?: string): string | undefined {
  const ids = [hintId, errorId, extra].filter(Boolean).join(' ');
  return ids || undefined;
}

function Label({ htmlFor, label, optional }: { htmlFor: string; label: ReactNode; optional?: boolean | undefined }) {
  return (
    <label className="field-label" htmlFor={htmlFor}>
      {label}
      {optional ? <span className="optional"> (optional)</span> : null}
    </label>
  );
}

function FieldError({ id, error }: { id: string; error: string }) {
  return (
    <p className="field-error" id={id}>
      <span aria-hidden="true">⚠ </span>
      {error}
    </p>
  );
}

type InputProps = FieldBits & Omit<InputHTMLAttributes<HTMLInputElement>, 'children'> & { ref?: Ref<HTMLInputElement> };

export function TextField({ label, hint, error, optional, id, className, ref, ...input }: InputProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = hint ? `${inputId}-hint` : null;
  const errorId = error ? `${inputId}-error` : null;
  return (
    <div className={`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <Label htmlFor={inputId} label={label} optional={optional} />
      {hint ? (
        <p className="field-hint" id={hintId ?? undefined}>
          {hint}
        </p>
      ) : null}
      <input {...input} ref={ref} id={inputId} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hintId, errorId, input['aria-describedby'])} />
      {error && errorId ? <FieldError id={errorId} error={error} /> : null}
    </div>
  );
}

/** The 6-digit two-factor code, as sign-in and joining with an existing account ask for it. */
export function TotpCodeField({ value, onChange, error, ref }: { value: string; onChange: (value: string) => void; error?: string | null | undefined; ref?: Ref<HTMLInputElement> }) {
  return (
    <TextField
      ref={ref}
      label="Two-factor code"
      hint="Your account has two-factor sign-in. Enter the 6-digit code your authenticator app shows now."
      name="totpCode"
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9 ]*"
      maxLength={7}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
      className="field-code"
      required
    />
  );
}

type TextAreaProps = FieldBits & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'children'>;

export function TextArea({ label, hint, error, optional, id, className, ...textarea }: TextAreaProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = hint ? `${inputId}-hint` : null;
  const errorId = error ? `${inputId}-error` : null;
  return (
    <div className={`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <Label htmlFor={inputId} label={label} optional={optional} />
      {hint ? (
        <p className="field-hint" id={hintId ?? undefined}>
          {hint}
        </p>
      ) : null}
      <textarea {...textarea} id={inputId} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hintId, errorId)} />
      {error && errorId ? <FieldError id={errorId} error={error} /> : null}
    </div>
  );
}

type SelectProps = FieldBits & SelectHTMLAttributes<HTMLSelectElement> & { children: ReactNode };

export function SelectField({ label, hint, error, optional, id, className, children, ...select }: SelectProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = hint ? `${inputId}-hint` : null;
  const errorId = error ? `${inputId}-error` : null;
  return (
    <div className={`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <Label htmlFor={inputId} label={label} optional={optional} />
      {hint ? (
        <p className="field-hint" id={hintId ?? undefined}>
          {hint}
        </p>
      ) : null}
      <select {...select} id={inputId} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hintId, errorId)}>
        {children}
      </select>
      {error && errorId ? <FieldError id={errorId} error={error} /> : null}
    </div>
  );
}

type CheckboxProps = Omit<FieldBits, 'optional'> & Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'children'>;

export function Checkbox({ label, hint, error, id, className, ...input }: CheckboxProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = hint ? `${inputId}-hint` : null;
  const errorId = error ? `${inputId}-error` : null;
  return (
    <div className={`field checkbox${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <input {...input} type="checkbox" id={inputId} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hintId, errorId)} />
      <div>
        <label htmlFor={inputId}>{label}</label>
        {hint ? (
          <p className="field-hint" id={hintId ?? undefined}>
            {hint}
          </p>
        ) : null}
        {error && errorId ? <FieldError id={errorId} error={error} /> : null}
      </div>
    </div>
  );
}

/**
 * The message area of a form: always present, so a screen reader announces what appears in
 * it. Errors are assertive, success is polite.
 */
export function FormMessage({ error, success }: { error?: string | null | undefined; success?: string | null | undefined }) {
  return (
    <>
      <div className="form-message-slot" role="alert">
        {error ? (
          <p className="notice notice-error">
            <span aria-hidden="true">⚠ </span>
            {error}
          </p>
        ) : null}
      </div>
      <div className="form-message-slot" role="status">
        {success ? <p className="notice notice-success">{success}</p> : null}
      </div>
    </>
  );
}

/** A settings form's buttons: save (busy while its request runs) and, when editing, cancel. */
export function SaveOrCancel({ pending, submitLabel, onCancel }: { pending: boolean; submitLabel: string; onCancel?: (() => void) | undefined }) {
  return (
    <div className="form-actions">
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? 'Saving…' : submitLabel}
      </button>
      {onCancel ? (
        <button type="button" className="button button-quiet" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
    </div>
  );
}

/** Focuses the first control marked invalid inside a form, after React has rendered it. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => {
    const target = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    target?.focus();
  });
}

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

export function hasErrors<K extends string>(errors: FieldErrors<K>): boolean {
  return Object.values(errors).some(Boolean);
}

/**
 * A destructive action in two steps: the first press asks, the second does it, so one slip
 * of a finger does not remove a person or a template.
 */
export function ConfirmButton({
  children,
  confirmLabel,
  question,
  onConfirm,
  disabled,
  small = true,
}: {
  children: ReactNode;
  confirmLabel: string;
  question: string;
  onConfirm: () => void;
  disabled?: boolean;
  small?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const size = small ? ' button-small' : '';
  if (!asking) {
    return (
      <button type="button" className={`button button-quiet${size}`} disabled={disabled} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className={`button button-danger${size}`}
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className={`button button-quiet${size}`} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
