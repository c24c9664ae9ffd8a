/** The programme: what customers are asked, on which scale, the thank-you, the prize draw, retention. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { api } from '../../api/endpoints.ts';
import { useProgrammes } from '../../api/queries.ts';
import type { Programme, Scale, UpdateProgrammeBody } from '../../api/types.ts';
import { Checkbox, FormMessage, SelectField, TextArea, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { keys, scaleNames } from '../../lib/format.ts';
import { SettingsSection } from './settings.tsx';

type ProgrammeField = 'name' | 'leadQuestion' | 'followUpQuestion' | 'thankYouTitle' | 'thankYouText' | 'prizeDescription' | 'termsUrl' | 'privacyPolicyUrl' | 'retentionMonths';

const urlPattern = /^https?:\/\/\S+$/;

function ProgrammeForm({ programme }: { programme: Programme }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [v, setV] = useState({
    name: programme.name,
    scale: programme.scale,
    leadQuestion: programme.leadQuestion,
    followUpQuestion: programme.followUpQuestion,
    introText: programme.introText,
    thankYouTitle: programme.thankYouTitle,
    thankYouText: programme.thankYouText,
    prizeEnabled: programme.prizeDraw.enabled,
    prizeDescription: programme.prizeDraw.description,
    termsUrl: programme.prizeDraw.termsUrl ?? '',
    privacyPolicyUrl: programme.privacyPolicyUrl ?? '',
    retentionMonths: String(programme.retentionMonths),
  });
  const [errors, setErrors] = useState<FieldErrors<ProgrammeField>>({});
  const set = <K extends keyof typeof v>(key: K, value: (typeof v)[K]) => setV((old) => ({ ...old, [key]: value }));
  const save = useMutation({
    mutationFn: (body: UpdateProgrammeBody) => api.updateProgramme(programme.id, body),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['programmes'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.reset();
    const found: FieldErrors<ProgrammeField> = {};
    const required = (key: ProgrammeField, value: string, message: string) => {
      if (!value.trim()) found[key] = message;
    };
    required('name', v.name, 'Give the programme a name.');
    required('leadQuestion', v.leadQuestion, 'Write the question customers answer with a score.');
    required('followUpQuestion', v.followUpQuestion, 'Write the question that invites a comment.');
    required('thankYouTitle', v.thankYouTitle, 'Write a heading for the thank-you page.');
    required('thankYouText', v.thankYouText, 'Write a short thank-you.');
    if (v.prizeEnabled) {
      required('prizeDescription', v.prizeDescription, 'Say what customers can win.');
      if (!urlPattern.test(v.termsUrl.trim())) found.termsUrl = 'Enter the full address of the draw’s terms, starting with https://';
    }
    if (v.privacyPolicyUrl.trim() && !urlPattern.test(v.privacyPolicyUrl.trim())) found.privacyPolicyUrl = 'Enter a full web address starting with https://';
    const months = Number(v.retentionMonths);
    if (!Number.isInteger(months) || months < 1 || months > 240) found.retentionMonths = 'Enter a whole number of months from 1 to 240.';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    save.mutate({
      name: v.name.trim(),
      ...(v.scale !== programme.scale ? { scale: v.scale } : {}),
      leadQuestion: v.leadQuestion.trim(),
      followUpQuestion: v.followUpQuestion.trim(),
      introText: v.introText.trim(),
      thankYouTitle: v.thankYouTitle.trim(),
      thankYouText: v.thankYouText.trim(),
      prizeDraw: { enabled: v.prizeEnabled, description: v.prizeDescription.trim(), termsUrl: v.termsUrl.trim() || null },
      privacyPolicyUrl: v.privacyPolicyUrl.trim() || null,
      retentionMonths: months,
    });
  }
  return (
    <form ref={form} className="stack" onSubmit={submit} noValidate>
      <section className="card section stack" aria-labelledby="questions-heading">
        <h3 id="questions-heading">Questions</h3>
        <TextField label="Programme name" hint="Only your team sees it." value={v.name} onChange={(e) => set('name', e.target.value)} error={errors.name} maxLength={200} />
        <TextArea label="Introduction" optional rows={2} hint="A line above the question, e.g. “Thanks for visiting — tell us how we did.”" value={v.introText} onChange={(e) => set('introText', e.target.value)} />
        <TextField label="Score question" value={v.leadQuestion} onChange={(e) => set('leadQuestion', e.target.value)} error={errors.leadQuestion} maxLength={300} />
        <SelectField
          label="Scale"
          value={v.scale}
          onChange={(e) => set('scale', e.target.value as Scale)}
          disabled={programme.feedbackCount > 0}
          hint={
            programme.feedbackCount > 0
              ? 'Fixed: this programme already has feedback, and scores on different scales cannot be compared.'
              : 'How customers score. It is fixed once the first feedback arrives.'
          }
        >
          {keys(scaleNames).map((s) => (
            <option key={s} value={s}>
              {scaleNames[s]}
            </option>
          ))}
        </SelectField>
        <TextField label="Comment question" value={v.followUpQuestion} onChange={(e) => set('followUpQuestion', e.target.value)} error={errors.followUpQuestion} maxLength={300} />
      </section>
      <section className="card section stack" aria-labelledby="thanks-heading">
        <h3 id="thanks-heading">Thank-you page</h3>
        <TextField label="Heading" value={v.thankYouTitle} onChange={(e) => set('thankYouTitle', e.target.value)} error={errors.thankYouTitle} maxLength={200} />
        <TextArea label="Message" rows={3} value={v.thankYouText} onChange={(e) => set('thankYouText', e.target.value)} error={errors.thankYouText} maxLength={1000} />
      </section>
      <section className="card section stack" aria-labelledby="prize-heading">
        <h3 id="prize-heading">Prize draw</h3>
        <Checkbox label="Offer a prize draw to customers who give feedback" checked={v.prizeEnabled} onChange={(e) => set('prizeEnabled', e.target.checked)} />
        {v.prizeEnabled ? (
          <>
            <TextField label="What they can win" value={v.prizeDescription} onChange={(e) => set('prizeDescription', e.target.value)} error={errors.prizeDescription} maxLength={300} />
            <TextField label="Terms of the draw (address)" type="url" placeholder="https://" value={v.termsUrl} onChange={(e) => set('termsUrl', e.target.value)} error={errors.termsUrl} />
          </>
        ) : null}
      </section>
      <section className="card section stack" aria-labelledby="privacy-heading">
        <h3 id="privacy-heading">Privacy</h3>
        <TextField
          label="Privacy policy address"
          optional
          type="url"
          placeholder="https://"
          hint="Leave empty to use the business’s privacy policy."
          value={v.privacyPolicyUrl}
          onChange={(e) => set('privacyPolicyUrl', e.target.value)}
          error={errors.privacyPolicyUrl}
        />
        <TextField
          label="Keep feedback for (months)"
          type="number"
          inputMode="numeric"
          min={1}
          max={240}
          hint="After this, contact details are deleted and comments anonymised."
          value={v.retentionMonths}
          onChange={(e) => set('retentionMonths', e.target.value)}
          error={errors.retentionMonths}
          className="field-short"
        />
      </section>
      <FormMessage error={save.error ? errorMessage(save.error) : null} success={save.isSuccess ? 'Programme saved. The feedback pages show the changes now.' : null} />
      <div className="form-actions sticky-actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save programme'}
        </button>
      </div>
    </form>
  );
}

export function ProgrammeSettings() {
  const programmes = useProgrammes();
  const [chosen, setChosen] = useState<string | null>(null);
  const selectId = useId();
  const list = programmes.data ?? [];
  const programme = list.find((p) => p.id === chosen) ?? list[0];
  return (
    <SettingsSection title="Programme" permission="settings.manage" intro="What customers see when they give feedback.">
      {programmes.isPending ? <Loading /> : null}
      {programmes.error ? <LoadError error={programmes.error} what="The programme settings" retry={() => void programmes.refetch()} /> : null}
      {programmes.data && !list.length ? <Empty title="No programme yet" /> : null}
      {list.length > 1 ? (
        <div className="field">
          <label className="field-label" htmlFor={selectId}>
            Programme
          </label>
          <select id={selectId} value={programme?.id ?? ''} onChange={(e) => setChosen(e.target.value)}>
            {list.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {programme ? <ProgrammeForm key={`${programme.id}`} programme={programme} /> : null}
    </SettingsSection>
  );
}
