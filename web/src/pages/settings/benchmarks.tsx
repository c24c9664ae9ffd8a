/** Settings → Benchmarks: the business's industry and region, and whether it contributes to others' comparisons (admins). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { insightsApi, type BenchmarkProfile } from '../../api/insights.ts';
import { Checkbox, FormMessage, SelectField } from '../../components/forms.tsx';
import { LoadError, Loading } from '../../components/status.tsx';
import { useSession } from '../../session.tsx';
import { SettingsSection } from './settings.tsx';

function ProfileForm({ profile, readOnly }: { profile: BenchmarkProfile; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const [industry, setIndustry] = useState(profile.industry ?? '');
  const [region, setRegion] = useState(profile.region ?? '');
  const [contributes, setContributes] = useState(profile.contributes);
  const save = useMutation({
    mutationFn: () => insightsApi.updateBenchmarkProfile({ industry: industry || null, region: region || null, contributes }),
    onSuccess: async (next) => {
      queryClient.setQueryData(['benchmark-profile'], next);
      await queryClient.invalidateQueries({ queryKey: ['benchmarks'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.reset();
    save.mutate();
  }
  return (
    <form className="card section stack" onSubmit={submit} noValidate>
      <SelectField label="Industry" hint="You are compared with businesses of the same industry." value={industry} onChange={(e) => setIndustry(e.target.value)} disabled={readOnly}>
        <option value="">Not chosen</option>
        {profile.industries.map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
          </option>
        ))}
      </SelectField>
      <SelectField label="Region" optional hint="For a comparison within your region of New Zealand." value={region} onChange={(e) => setRegion(e.target.value)} disabled={readOnly}>
        <option value="">Not chosen</option>
        {profile.regions.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </SelectField>
      <Checkbox
        label="Contribute our figures to other businesses' benchmarks"
        hint="Anonymously: only medians and quartiles of groups of at least 6 businesses are ever shown, never a business's own figure."
        checked={contributes}
        onChange={(e) => setContributes(e.target.checked)}
        disabled={readOnly}
      />
      {readOnly ? null : (
        <>
          <FormMessage error={save.error ? errorMessage(save.error) : null} success={save.isSuccess ? 'Saved.' : null} />
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
          </div>
        </>
      )}
    </form>
  );
}

export function BenchmarkSettings() {
  const session = useSession();
  const profile = useQuery({ queryKey: ['benchmark-profile'], queryFn: insightsApi.benchmarkProfile });
  return (
    <SettingsSection title="Benchmarks" permission="settings.manage" readableWith="feedback.read" intro="Choose who your business is compared with on the Benchmarks page.">
      {profile.isPending ? <Loading label="Loading the benchmark settings…" /> : null}
      {profile.error ? <LoadError error={profile.error} what="The benchmark settings" retry={() => void profile.refetch()} /> : null}
      {profile.data ? <ProfileForm profile={profile.data} readOnly={!session.can('settings.manage')} /> : null}
    </SettingsSection>
  );
}
