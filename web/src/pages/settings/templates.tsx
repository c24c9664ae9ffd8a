/** Reply templates: ready replies per score band, offered (filled in) when answering feedback. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { api } from '../../api/endpoints.ts';
import type { ResponseTemplate, TemplateBand, TemplateBody } from '../../api/types.ts';
import { ConfirmButton, focusFirstInvalid, FormMessage, hasErrors, SaveOrCancel, SelectField, TextArea, TextField, type FieldErrors } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { keys, templateBandNames } from '../../lib/format.ts';
import { SettingsSection } from './settings.tsx';

const placeholders = ['{customer_name}', '{business}', '{location}', '{staff_member}'];

type TemplateField = 'name' | 'subject' | 'body';

function TemplateForm({ initial, onSaved, onCancel, submitLabel }: { initial?: ResponseTemplate; onSaved: () => void; onCancel?: () => void; submitLabel: string }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [value, setValue] = useState<TemplateBody>({ name: initial?.name ?? '', scoreBand: initial?.scoreBand ?? 'any', subject: initial?.subject ?? '', body: initial?.body ?? '' });
  const [errors, setErrors] = useState<FieldErrors<TemplateField>>({});
  const save = useMutation({
    mutationFn: (body: TemplateBody) => (initial ? api.updateTemplate(initial.id, body) : api.createTemplate(body)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['templates'] });
      if (!initial) setValue({ name: '', scoreBand: 'any', subject: '', body: '' });
      onSaved();
    },
  });
  const set = <K extends keyof TemplateBody>(key: K, v: TemplateBody[K]) => setValue((old) => ({ ...old, [key]: v }));
  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<TemplateField> = {};
    if (!value.name.trim()) found.name = 'Give the template a name.';
    if (!value.subject.trim()) found.subject = 'Write a subject.';
    if (!value.body.trim()) found.body = 'Write the reply.';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    save.mutate({ name: value.name.trim(), scoreBand: value.scoreBand, subject: value.subject.trim(), body: value.body.trim() });
  }
  return (
    <form ref={form} className="stack" onSubmit={submit} noValidate>
      <div className="two-col">
        <TextField label="Name" hint="Only your team sees it." value={value.name} onChange={(e) => set('name', e.target.value)} error={errors.name} maxLength={100} />
        <SelectField label="Offered for" value={value.scoreBand} onChange={(e) => set('scoreBand', e.target.value as TemplateBand)}>
          {keys(templateBandNames).map((b) => (
            <option key={b} value={b}>
              {templateBandNames[b]}
            </option>
          ))}
        </SelectField>
      </div>
      <TextField label="Subject" value={value.subject} onChange={(e) => set('subject', e.target.value)} error={errors.subject} maxLength={200} />
      <TextArea
        label="Reply"
        rows={7}
        hint={`These are filled in for each customer: ${placeholders.join(', ')}.`}
        value={value.body}
        onChange={(e) => set('body', e.target.value)}
        error={errors.body}
        maxLength={5000}
      />
      <FormMessage error={save.error ? errorMessage(save.error) : null} />
      <SaveOrCancel pending={save.isPending} submitLabel={submitLabel} onCancel={onCancel} />
    </form>
  );
}

function TemplateCard({ template, onMessage }: { template: ResponseTemplate; onMessage: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.deleteTemplate(template.id),
    onSuccess: async () => {
      onMessage(`Template “${template.name}” removed.`);
      await queryClient.invalidateQueries({ queryKey: ['templates'] });
    },
  });
  return (
    <li className="card section template-card">
      {editing ? (
        <>
          <h3>Edit “{template.name}”</h3>
          <TemplateForm
            initial={template}
            submitLabel="Save template"
            onSaved={() => {
              setEditing(false);
              onMessage(`Template “${template.name}” saved.`);
            }}
            onCancel={() => setEditing(false)}
          />
        </>
      ) : (
        <>
          <div className="row-head">
            <h3>{template.name}</h3>
            <span className="pill">{templateBandNames[template.scoreBand]}</span>
          </div>
          <p className="template-subject">{template.subject}</p>
          <p className="template-body">{template.body}</p>
          {remove.error ? <p className="field-error" role="alert">{errorMessage(remove.error)}</p> : null}
          <div className="form-actions">
            <button type="button" className="button button-secondary" onClick={() => setEditing(true)}>
              Edit<span className="visually-hidden"> “{template.name}”</span>
            </button>
            <ConfirmButton question={`Remove “${template.name}”?`} confirmLabel="Remove" onConfirm={() => remove.mutate()} disabled={remove.isPending}>
              Remove<span className="visually-hidden"> “{template.name}”</span>
            </ConfirmButton>
          </div>
        </>
      )}
    </li>
  );
}

export function TemplateSettings() {
  const templates = useQuery({ queryKey: ['templates'], queryFn: api.templates });
  const [message, setMessage] = useState<string | null>(null);
  return (
    <SettingsSection title="Reply templates" permission="settings.manage" intro="Ready-made replies, offered when someone answers a feedback whose score is in the template's band. They can edit it before sending.">
      <FormMessage success={message} />
      {templates.isPending ? <Loading /> : null}
      {templates.error ? <LoadError error={templates.error} what="The reply templates" retry={() => void templates.refetch()} /> : null}
      {templates.data ? (
        templates.data.length ? (
          <ul className="card-list">
            {templates.data.map((t) => (
              <TemplateCard key={t.id} template={t} onMessage={setMessage} />
            ))}
          </ul>
        ) : (
          <Empty title="No reply templates yet" />
        )
      ) : null}
      <section className="card section" aria-labelledby="new-template-heading">
        <h3 id="new-template-heading">Add a template</h3>
        <TemplateForm submitLabel="Add template" onSaved={() => setMessage('Template added.')} />
      </section>
    </SettingsSection>
  );
}
