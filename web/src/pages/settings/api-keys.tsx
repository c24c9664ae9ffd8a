/** Settings → API keys: make a key (shown once), see when each was last used, revoke one. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { apiKeyScopes, integrationsApi, type ApiKeyScope } from '../../api/integrations.ts';
import { Checkbox, ConfirmButton, FormMessage, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/forms.tsx';
import { LoadError, Loading } from '../../components/status.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { SettingsSection } from './settings.tsx';

const apiKeysKey = ['settings', 'api-keys'] as const;

const when = (iso: string | null): string => (iso ? formatDateTime(iso) : 'never');

function NewKeyForm() {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['feedback:read']);
  const [errors, setErrors] = useState<FieldErrors<'name' | 'scopes'>>({});
  const [shown, setShown] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: integrationsApi.createApiKey,
    onSuccess: (made) => {
      setShown(made.key);
      setName('');
      void queryClient.invalidateQueries({ queryKey: apiKeysKey });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setShown(null);
    const found: FieldErrors<'name' | 'scopes'> = {};
    if (!name.trim()) found.name = 'Give the key a name, such as “Till system”.';
    if (!scopes.length) found.scopes = 'Choose at least one thing the key may do.';
    setErrors(found);
    if (hasErrors(found)) return focusFirstInvalid(form.current);
    create.mutate({ name: name.trim(), scopes, locationIds: null });
  }

  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate aria-label="New API key">
      <h3>New API key</h3>
      <TextField label="Name" hint="What the key is for." value={name} onChange={(e) => setName(e.target.value)} error={errors.name} maxLength={100} />
      <fieldset className="fieldset">
        <legend className="field-label">What the key may do</legend>
        {apiKeyScopes.map(({ scope, label }) => (
          <Checkbox
            key={scope}
            label={label}
            checked={scopes.includes(scope)}
            error={scope === apiKeyScopes[0]?.scope ? errors.scopes : undefined}
            onChange={(e) => setScopes((old) => (e.target.checked ? [...old, scope] : old.filter((s) => s !== scope)))}
          />
        ))}
      </fieldset>
      <FormMessage error={create.error ? errorMessage(create.error) : null} success={shown ? 'Key made. Copy it now: it is not shown again.' : null} />
      {shown ? (
        <TextField label="Your new key" id="new-api-key" readOnly value={shown} onFocus={(e) => e.target.select()} />
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? 'Making…' : 'Make key'}
        </button>
      </div>
    </form>
  );
}

export function ApiKeySettings() {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: apiKeysKey, queryFn: integrationsApi.apiKeys, retry: false });
  const revoke = useMutation({ mutationFn: integrationsApi.revokeApiKey, onSuccess: () => void queryClient.invalidateQueries({ queryKey: apiKeysKey }) });
  return (
    <SettingsSection title="API keys" permission="settings.manage" intro="Keys let your own systems read feedback, submit it and send invitations through the Hark API (see docs/api.md).">
      <NewKeyForm />
      {keys.isPending ? <Loading /> : null}
      {keys.error ? <LoadError error={keys.error} what="The API keys" retry={() => void keys.refetch()} /> : null}
      {keys.data ? (
        keys.data.length ? (
          <table className="table">
            <caption>Keys of this business</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key starts</th>
                <th scope="col">May</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}</code>
                  </td>
                  <td>{key.scopes.join(', ')}</td>
                  <td>{when(key.lastUsedAt)}</td>
                  <td>
                    {key.revokedAt ? (
                      <span className="muted">Revoked {when(key.revokedAt)}</span>
                    ) : (
                      <ConfirmButton question={`Revoke “${key.name}”?`} confirmLabel="Revoke" onConfirm={() => revoke.mutate(key.id)}>
                        Revoke<span className="visually-hidden"> {key.name}</span>
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No API keys yet.</p>
        )
      ) : null}
      <FormMessage error={revoke.error ? errorMessage(revoke.error) : null} />
    </SettingsSection>
  );
}
