/**
 * Prize draws: each period's draw with its published commitment and entrants (one per
 * person), running it once the period has closed, the winners (with their details for
 * those who may see them), a winner found ineligible replaced on the record, and telling the
 * winners. Admins set each programme's period, number of winners, prize and purge delay.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client.ts';
import { prizeDrawApi, type DrawPeriod, type DrawSettings, type PrizeDraw } from '../api/prize-draws.ts';
import { useProgrammes } from '../api/queries.ts';
import { ConfirmButton, FormMessage, SelectField, TextField } from '../components/forms.tsx';
import { Page } from '../components/page.tsx';
import { Empty, LoadError, Loading } from '../components/status.tsx';
import { formatDate, formatDateTime } from '../lib/format.ts';
import { useSession } from '../session.tsx';

const drawsKey = ['prize-draws'];
const statusNames: Record<PrizeDraw['status'], string> = { open: 'Open', drawn: 'Drawn', purged: 'Drawn, entrants’ details purged' };
const periodNames: Record<DrawPeriod, string> = { week: 'Every week', month: 'Every month', quarter: 'Every quarter' };

function IneligibleForm({ draw, round, onDone }: { draw: PrizeDraw; round: number; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const mark = useMutation({ mutationFn: () => prizeDrawApi.ineligible(draw.id, round, reason), onSuccess: onDone });
  function submit(event: FormEvent) {
    event.preventDefault();
    mark.mutate();
  }
  return (
    <form onSubmit={submit} className="stack">
      <TextField label={`Why the round ${round} winner is not eligible`} hint="Kept on the record; the next round draws again." value={reason} onChange={(e) => setReason(e.target.value)} minLength={5} maxLength={500} required />
      <div>
        <button type="submit" className="button button-small" disabled={mark.isPending}>
          Record and draw again
        </button>
      </div>
      <FormMessage error={mark.error ? errorMessage(mark.error) : null} />
    </form>
  );
}

function Winners({ draw }: { draw: PrizeDraw }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [choosing, setChoosing] = useState<number | null>(null);
  const winners = useQuery({ queryKey: ['prize-draws', draw.id, 'winners'], queryFn: () => prizeDrawApi.winners(draw.id) });
  const refresh = () => {
    setChoosing(null);
    void queryClient.invalidateQueries({ queryKey: ['prize-draws', draw.id, 'winners'] });
  };
  const notify = useMutation({ mutationFn: () => prizeDrawApi.notify(draw.id), onSuccess: refresh });
  const manage = session.can('settings.manage') && draw.status === 'drawn';
  if (winners.isPending) return <Loading />;
  if (winners.error) return <LoadError error={winners.error} what="The winners" retry={() => void winners.refetch()} />;
  if (!winners.data.length) return <p>Nobody entered this draw.</p>;
  return (
    <div className="stack">
      <ol>
        {winners.data.map((w) => (
          <li key={w.round}>
            Round {w.round}: <code>{w.token}</code>
            {w.contact ? ` — ${[w.contact.name, w.contact.email ?? w.contact.mobile].filter(Boolean).join(', ')}` : null}
            {w.status === 'ineligible' ? ` — not eligible: ${w.ineligibleReason ?? ''}` : w.notifiedAt ? ` — told by ${w.notifiedBy === 'sms' ? 'text' : 'email'} ${formatDateTime(w.notifiedAt)}` : null}
            {manage && w.status === 'selected' && choosing !== w.round ? (
              <>
                {' '}
                <button type="button" className="button button-quiet button-small" onClick={() => setChoosing(w.round)}>
                  Not eligible…
                </button>
              </>
            ) : null}
            {choosing === w.round ? <IneligibleForm draw={draw} round={w.round} onDone={refresh} /> : null}
          </li>
        ))}
      </ol>
      {manage ? (
        <div>
          <button type="button" className="button button-small" onClick={() => notify.mutate()} disabled={notify.isPending}>
            Tell the winners
          </button>
          <FormMessage
            error={notify.error ? errorMessage(notify.error) : null}
            success={notify.data ? `${notify.data.notified} told${notify.data.unreachable ? `; ${notify.data.unreachable} gave no email or mobile` : ''}.` : null}
          />
        </div>
      ) : null}
    </div>
  );
}

function DrawCard({ draw }: { draw: PrizeDraw }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const headingId = useId();
  const run = useMutation({ mutationFn: () => prizeDrawApi.run(draw.id), onSuccess: () => void queryClient.invalidateQueries({ queryKey: drawsKey }) });
  return (
    <section className="card stack" aria-labelledby={headingId}>
      <h2 id={headingId} className="section-title">
        {draw.programmeName}: {draw.periodName}
      </h2>
      <dl className="facts">
        <dt>Prize</dt>
        <dd>{draw.prize || 'Not described'}</dd>
        <dt>Status</dt>
        <dd>{statusNames[draw.status]}</dd>
        <dt>Entrants</dt>
        <dd>{draw.entrants} (one per person)</dd>
        <dt>Commitment</dt>
        <dd>
          <code style={{ overflowWrap: 'anywhere' }}>{draw.commitment}</code>, published {formatDateTime(draw.committedAt)}
        </dd>
        {draw.purgeOn ? (
          <>
            <dt>Entrants’ details purged</dt>
            <dd>{formatDate(draw.purgeOn)}</dd>
          </>
        ) : null}
      </dl>
      <p>
        <a href={draw.publicUrl}>Public page of this draw</a> (anyone can check it)
      </p>
      {draw.status === 'open' && session.can('settings.manage') ? (
        draw.closed ? (
          <div>
            <ConfirmButton small={false} confirmLabel="Yes, run the draw" question={`Run the draw among ${draw.entrants} entrants? It can be run once.`} onConfirm={() => run.mutate()} disabled={run.isPending}>
              Run the draw
            </ConfirmButton>
            <FormMessage error={run.error ? errorMessage(run.error) : null} />
          </div>
        ) : (
          <p>The draw can be run from {formatDate(draw.periodEnd)}, when the period has closed.</p>
        )
      ) : null}
      {draw.status !== 'open' ? <Winners draw={draw} /> : null}
    </section>
  );
}

function DrawSettingsForm({ programmeId, programmeName }: { programmeId: string; programmeName: string }) {
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['prize-draws', 'settings', programmeId], queryFn: () => prizeDrawApi.settings(programmeId) });
  const [draft, setDraft] = useState<DrawSettings | null>(null);
  const value = draft ?? settings.data;
  const save = useMutation({
    mutationFn: (body: DrawSettings) => prizeDrawApi.saveSettings(programmeId, body),
    onSuccess: () => {
      setDraft(null);
      void queryClient.invalidateQueries({ queryKey: ['prize-draws'] });
    },
  });
  if (settings.error) return <LoadError error={settings.error} what="The draw settings" />;
  if (!value) return <Loading />;
  const change = (next: Partial<DrawSettings>) => setDraft({ ...value, ...next });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (value) save.mutate(value);
  }
  return (
    <form onSubmit={submit} className="stack">
      <h3>{programmeName}</h3>
      <SelectField label="How often" value={value.period} onChange={(e) => change({ period: e.target.value as DrawPeriod })}>
        {(Object.keys(periodNames) as DrawPeriod[]).map((p) => (
          <option key={p} value={p}>
            {periodNames[p]}
          </option>
        ))}
      </SelectField>
      <TextField label="Prize" value={value.prize} maxLength={200} onChange={(e) => change({ prize: e.target.value })} optional />
      <TextField label="Winners per draw" type="number" min={1} max={50} value={String(value.winners)} onChange={(e) => change({ winners: Number(e.target.value) })} />
      <TextField
        label="Days after the draw until entrants’ details are purged"
        hint="As your draw’s terms say."
        type="number"
        min={1}
        max={365}
        value={String(value.purgeAfterDays)}
        onChange={(e) => change({ purgeAfterDays: Number(e.target.value) })}
      />
      <div>
        <button type="submit" className="button" disabled={save.isPending || !draft}>
          Save draw settings
        </button>
      </div>
      <FormMessage error={save.error ? errorMessage(save.error) : null} success={save.isSuccess && !draft ? 'Saved. They apply from the next period’s draw.' : null} />
    </form>
  );
}

/** Admins only: the settings of each programme that runs a prize draw. */
function DrawSettingsSection() {
  const programmes = (useProgrammes().data ?? []).filter((p) => p.prizeDraw.enabled);
  if (!programmes.length) return null;
  return (
    <section className="card stack" aria-labelledby="draw-settings-heading">
      <h2 id="draw-settings-heading" className="section-title">
        Draw settings
      </h2>
      {programmes.map((p) => (
        <DrawSettingsForm key={p.id} programmeId={p.id} programmeName={p.name} />
      ))}
    </section>
  );
}

export function PrizeDrawsPage() {
  const session = useSession();
  const draws = useQuery({ queryKey: drawsKey, queryFn: prizeDrawApi.list });
  return (
    <Page title="Prize draws" intro="Each draw publishes a commitment before its period closes, so anyone can check afterwards that the winners were drawn fairly.">
      {draws.isPending ? <Loading /> : null}
      {draws.error ? <LoadError error={draws.error} what="The prize draws" retry={() => void draws.refetch()} /> : null}
      {draws.data && !draws.data.length ? <Empty title="No prize draws">Turn on a prize draw for a programme in Settings → Programme.</Empty> : null}
      {draws.data?.map((d) => <DrawCard key={d.id} draw={d} />)}
      {session.can('settings.manage') ? <DrawSettingsSection /> : null}
    </Page>
  );
}
