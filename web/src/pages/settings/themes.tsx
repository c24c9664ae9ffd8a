/**
 * Themes: the subjects the business wants its comments sorted into (wait time, staff,
 * price…), each found by its keywords. Saving re-tags every comment in the background.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { commentsApi, type Theme, type ThemeBody } from '../../api/comments.ts';
import { ConfirmButton, focusFirstInvalid, FormMessage, hasErrors, SaveOrCancel, TextArea, TextField, type FieldErrors } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import '../../styles/comments.css';
import { SettingsSection } from './settings.tsx';

const MAX_KEYWORDS = 30;

function splitKeywords(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((k) => k.trim())
    .filter(Boolean);
}

function ThemeForm({ initial, onSaved, onCancel, submitLabel }: { initial?: Theme; onSaved: (name: string) => void; onCancel?: () => void; submitLabel: string }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState(initial?.name ?? '');
  const [keywords, setKeywords] = useState(initial?.keywords.join(', ') ?? '');
  const [errors, setErrors] = useState<FieldErrors<'name' | 'keywords'>>({});
  const save = useMutation({
    mutationFn: (body: ThemeBody) => (initial ? commentsApi.replaceTheme(initial.id, body) : commentsApi.createTheme(body)),
    onSuccess: async (theme) => {
      await queryClient.invalidateQueries({ queryKey: ['themes'] });
      if (!initial) {
        setName('');
        setKeywords('');
      }
      onSaved(theme.name);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const words = splitKeywords(keywords);
    const found: FieldErrors<'name' | 'keywords'> = {};
    if (!name.trim()) found.name = 'Give the theme a name.';
    if (!words.length) found.keywords = 'Give at least one keyword.';
    else if (words.length > MAX_KEYWORDS) found.keywords = `A theme may have at most ${MAX_KEYWORDS} keywords.`;
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    save.mutate({ name: name.trim(), keywords: words });
  }
  return (
    <form ref={form} className="stack" onSubmit={submit} noValidate>
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} maxLength={60} />
      <TextArea
        label="Keywords"
        rows={3}
        hint="Separated by commas: words or two-word phrases. Other forms match too: “queue” also finds “queues” and “queued”."
        value={keywords}
        onChange={(e) => setKeywords(e.target.value)}
        error={errors.keywords}
      />
      <FormMessage error={save.error ? errorMessage(save.error) : null} />
      <SaveOrCancel pending={save.isPending} submitLabel={submitLabel} onCancel={onCancel} />
    </form>
  );
}

function ThemeCard({ theme, onMessage }: { theme: Theme; onMessage: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => commentsApi.deleteTheme(theme.id),
    onSuccess: async () => {
      onMessage(`Theme “${theme.name}” removed.`);
      await queryClient.invalidateQueries({ queryKey: ['themes'] });
    },
  });
  return (
    <li className="card section">
      {editing ? (
        <>
          <h3>Edit “{theme.name}”</h3>
          <ThemeForm
            initial={theme}
            submitLabel="Save theme"
            onSaved={(name) => {
              setEditing(false);
              onMessage(`Theme “${name}” saved. Comments are being sorted again.`);
            }}
            onCancel={() => setEditing(false)}
          />
        </>
      ) : (
        <>
          <h3>{theme.name}</h3>
          <ul className="keyword-list" aria-label={`Keywords of ${theme.name}`}>
            {theme.keywords.map((k) => (
              <li key={k} className="pill">
                {k}
              </li>
            ))}
          </ul>
          {remove.error ? (
            <p className="field-error" role="alert">
              {errorMessage(remove.error)}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="button" className="button button-secondary" onClick={() => setEditing(true)}>
              Edit<span className="visually-hidden"> “{theme.name}”</span>
            </button>
            <ConfirmButton question={`Remove “${theme.name}”?`} confirmLabel="Remove" onConfirm={() => remove.mutate()} disabled={remove.isPending}>
              Remove<span className="visually-hidden"> “{theme.name}”</span>
            </ConfirmButton>
          </div>
        </>
      )}
    </li>
  );
}

export function ThemeSettings() {
  const themes = useQuery({ queryKey: ['themes'], queryFn: commentsApi.themes });
  const [message, setMessage] = useState<string | null>(null);
  return (
    <SettingsSection
      title="Themes"
      permission="settings.manage"
      intro="The subjects your comments are sorted into. A comment belongs to a theme when it uses one of its keywords; the inbox can be filtered by theme and the dashboard shows each theme over time."
    >
      <FormMessage success={message} />
      {themes.isPending ? <Loading /> : null}
      {themes.error ? <LoadError error={themes.error} what="The themes" retry={() => void themes.refetch()} /> : null}
      {themes.data ? (
        themes.data.length ? (
          <ul className="card-list">
            {themes.data.map((t) => (
              <ThemeCard key={t.id} theme={t} onMessage={setMessage} />
            ))}
          </ul>
        ) : (
          <Empty title="No themes yet" />
        )
      ) : null}
      <section className="card section" aria-labelledby="new-theme-heading">
        <h3 id="new-theme-heading">Add a theme</h3>
        <ThemeForm submitLabel="Add theme" onSaved={(name) => setMessage(`Theme “${name}” added. Comments are being sorted into it.`)} />
      </section>
    </SettingsSection>
  );
}
