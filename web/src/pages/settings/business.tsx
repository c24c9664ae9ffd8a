/** The business's own settings: name, time zone, privacy policy, whether two-factor sign-in is required. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/client.ts';
import { api } from '../../api/endpoints.ts';
import type { ClientSettings } from '../../api/types.ts';
import { Checkbox, FormMessage, SelectField, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/forms.tsx';
import { LoadError, Loading } from '../../components/status.tsx';
import { sessionKey } from '../../session.tsx';
import { SettingsSection } from './settings.tsx';

function timeZones(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return zones.includes(current) ? zones : [current, ...zones];
}

type BusinessField = 'name' | 'privacyPolicyUrl';

function BusinessForm({ settings }: { settings: ClientSettings }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState(settings.name);
  const [timezone, setTimezone] = useState(settings.timezone);
  const [privacyPolicyUrl, setPrivacyPolicyUrl] = useState(settings.privacyPolicyUrl ?? '');
  const [requireTotp, setRequireTotp] = useState(settings.requireTotp);
  const [errors, setErrors] = useState<FieldErrors<BusinessField>>({});
  const zones = useMemo(() => timeZones(settings.timezone), [settings.timezone]);
  const save = useMutation({
    mutationFn: () => api.updateClientSettings({ name: name.trim(), timezone, privacyPolicyUrl: privacyPolicyUrl.trim() || null, requireTotp }),
    onSuccess: async (next) => {
      queryClient.setQueryData(['client'], next);
      await queryClient.invalidateQueries({ queryKey: sessionKey });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.reset();
    const found: FieldErrors<BusinessField> = {};
    if (!name.trim()) found.name = 'Enter the business name your customers know.';
    if (privacyPolicyUrl.trim() && !/^https?:\/\/\S+$/.test(privacyPolicyUrl.trim())) found.privacyPolicyUrl = 'Enter a full web address starting with https://';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    save.mutate();
  }
  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate>
      <TextField label="Business name" hint="Shown to customers on the feedback pages and in replies." value={name} onChange={(e) => setName(e.target.value)} error={errors.name} maxLength={200} />
      <SelectField label="Time zone" hint="Days and weeks in reports begin at midnight here." value={timezone} onChange={(e) => setTimezone(e.target.value)}>
        {zones.map((z) => (
          <option key={z} value={z}>
            {z.replace(/_/g, ' ')}
          </option>
        ))}
      </SelectField>
      <TextField
        label="Privacy policy address"
        optional
        type="url"
        hint="Your own privacy policy, linked from the feedback pages."
        value={privacyPolicyUrl}
        onChange={(e) => setPrivacyPolicyUrl(e.target.value)}
        error={errors.privacyPolicyUrl}
        placeholder="https://"
      />
      <Checkbox
        label="Require two-factor sign-in for everyone on the team"
        hint="People without it are asked to set it up the next time they open Hark."
        checked={requireTotp}
        onChange={(e) => setRequireTotp(e.target.checked)}
      />
      <FormMessage error={save.error ? (save.error instanceof ApiError ? save.error.message : errorMessage(save.error)) : null} success={save.isSuccess ? 'Saved.' : null} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

export function BusinessSettings() {
  const settings = useQuery({ queryKey: ['client'], queryFn: api.clientSettings });
  return (
    <SettingsSection title="Business" permission="settings.manage">
      {settings.isPending ? <Loading /> : null}
      {settings.error ? <LoadError error={settings.error} what="The business settings" retry={() => void settings.refetch()} /> : null}
      {settings.data ? <BusinessForm settings={settings.data} /> : null}
    </SettingsSection>
  );
}
