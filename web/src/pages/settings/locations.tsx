/**
 * Locations and their sub-measures (staff, counters): each with its feedback link, QR code
 * and SMS code, ready to print or share; add, rename, move and archive them.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { api } from '../../api/endpoints.ts';
import { useLocations, useProgrammes } from '../../api/queries.ts';
import type { Location, SubMeasure } from '../../api/types.ts';
import { FormMessage, SelectField, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/forms.tsx';
import { LocationOptions, orderLocations } from '../../components/location-options.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { SettingsSection } from './settings.tsx';

/** A code for addresses from a name: "Cuba Street" → "cuba-street". */
export function codeFrom(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

const codePattern = /^[a-z0-9][a-z0-9-]{1,39}$/;
const subCodePattern = /^[a-z0-9][a-z0-9-]{0,39}$/;
const smsPattern = /^[A-Za-z0-9]{2,12}$/;

/** The path of a link to this Hark, so images load from the page's own origin whatever the public address. */
function localPath(url: string): string {
  try {
    const parsed = new URL(url, window.location.origin);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

function CopyLink({ url, label }: { url: string; label: string }) {
  const [copied, setCopied] = useState(false);
  if (typeof navigator === 'undefined' || !navigator.clipboard) return null;
  return (
    <>
      <button
        type="button"
        className="button button-quiet button-small"
        onClick={() => {
          void navigator.clipboard.writeText(url).then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 2500);
          });
        }}
      >
        Copy link<span className="visually-hidden"> for {label}</span>
      </button>
      <span role="status" className="copied">
        {copied ? 'Copied' : ''}
      </span>
    </>
  );
}

type LocationField = 'name' | 'code' | 'smsCode';

function NewLocationForm({ locations, onDone }: { locations: Location[]; onDone: (message: string) => void }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const programmes = useProgrammes();
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [codeTouched, setCodeTouched] = useState(false);
  const [parentId, setParentId] = useState('');
  const [smsCode, setSmsCode] = useState('');
  const [programmeId, setProgrammeId] = useState('');
  const [errors, setErrors] = useState<FieldErrors<LocationField>>({});
  const programmeList = programmes.data ?? [];
  const chosenProgramme = programmeId || programmeList[0]?.id || locations[0]?.programmeId || '';
  const create = useMutation({
    mutationFn: () =>
      api.createLocation({ name: name.trim(), code: code.trim(), parentId: parentId || null, smsCode: smsCode.trim() ? smsCode.trim().toUpperCase() : null, programmeId: chosenProgramme }),
    onSuccess: async () => {
      onDone(`${name.trim()} added. Its link and QR code are ready below.`);
      setName('');
      setCode('');
      setCodeTouched(false);
      setSmsCode('');
      await queryClient.invalidateQueries({ queryKey: ['locations'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<LocationField> = {};
    if (!name.trim()) found.name = 'Enter the location’s name.';
    if (!codePattern.test(code.trim())) found.code = 'Use 2 to 40 lower-case letters, digits and hyphens.';
    if (smsCode.trim() && !smsPattern.test(smsCode.trim())) found.smsCode = 'Use 2 to 12 letters or digits, no spaces.';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    create.mutate();
  }
  return (
    <form ref={form} className="stack" onSubmit={submit} noValidate>
      <div className="two-col">
        <TextField
          label="Name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (!codeTouched) setCode(codeFrom(e.target.value));
          }}
          error={errors.name}
          maxLength={200}
        />
        <TextField
          label="Code in its address"
          hint={`The feedback link ends /f/${code || 'code'}. It cannot change later, so printed QR codes keep working.`}
          value={code}
          onChange={(e) => {
            setCode(e.target.value);
            setCodeTouched(true);
          }}
          error={errors.code}
          maxLength={40}
        />
        <SelectField label="Part of" optional value={parentId} onChange={(e) => setParentId(e.target.value)} hint="A region or group this location belongs to.">
          <option value="">Nothing (top level)</option>
          <LocationOptions locations={locations} />
        </SelectField>
        <TextField label="SMS code" optional hint="Customers text this word to give feedback, e.g. CUBA." value={smsCode} onChange={(e) => setSmsCode(e.target.value)} error={errors.smsCode} maxLength={12} />
        {programmeList.length > 1 ? (
          <SelectField label="Programme" value={chosenProgramme} onChange={(e) => setProgrammeId(e.target.value)}>
            {programmeList.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </SelectField>
        ) : null}
      </div>
      <FormMessage error={create.error ? errorMessage(create.error) : null} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={create.isPending || !chosenProgramme}>
          {create.isPending ? 'Adding…' : 'Add location'}
        </button>
      </div>
    </form>
  );
}

function EditLocationForm({ location, locations, onDone }: { location: Location; locations: Location[]; onDone: (message: string | null) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(location.name);
  const [parentId, setParentId] = useState(location.parentId ?? '');
  const [smsCode, setSmsCode] = useState(location.smsCode ?? '');
  const [errors, setErrors] = useState<FieldErrors<LocationField>>({});
  const form = useRef<HTMLFormElement>(null);
  const save = useMutation({
    mutationFn: () => api.updateLocation(location.id, { name: name.trim(), parentId: parentId || null, smsCode: smsCode.trim() ? smsCode.trim().toUpperCase() : null }),
    onSuccess: async () => {
      onDone(`${name.trim()} saved.`);
      await queryClient.invalidateQueries({ queryKey: ['locations'] });
    },
  });
  // A location cannot sit under itself or anything beneath it.
  const below = new Set<string>([location.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const l of locations) if (l.parentId && below.has(l.parentId) && !below.has(l.id)) (below.add(l.id), (grew = true));
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<LocationField> = {};
    if (!name.trim()) found.name = 'Enter the location’s name.';
    if (smsCode.trim() && !smsPattern.test(smsCode.trim())) found.smsCode = 'Use 2 to 12 letters or digits, no spaces.';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    save.mutate();
  }
  return (
    <form ref={form} className="stack edit-box" onSubmit={submit} noValidate aria-label={`Edit ${location.name}`}>
      <div className="two-col">
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} maxLength={200} />
        <TextField label="SMS code" optional value={smsCode} onChange={(e) => setSmsCode(e.target.value)} error={errors.smsCode} maxLength={12} />
        <SelectField label="Part of" optional value={parentId} onChange={(e) => setParentId(e.target.value)}>
          <option value="">Nothing (top level)</option>
          <LocationOptions locations={locations.filter((l) => !below.has(l.id))} />
        </SelectField>
      </div>
      <FormMessage error={save.error ? errorMessage(save.error) : null} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Save
        </button>
        <button type="button" className="button button-quiet" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function SubMeasureRow({ sub, locationCode, smsCode, onMessage }: { sub: SubMeasure; locationCode: string; smsCode: string | null; onMessage: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(sub.name);
  const update = useMutation({
    mutationFn: (body: { name?: string; archived?: boolean }) => api.updateSubMeasure(sub.id, body),
    onSuccess: async (_r, body) => {
      setEditing(false);
      onMessage(body.archived === true ? `${sub.name} archived.` : body.archived === false ? `${sub.name} restored.` : `${body.name ?? sub.name} saved.`);
      await queryClient.invalidateQueries({ queryKey: ['locations'] });
    },
  });
  if (editing) {
    return (
      <li className="sub-row">
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) update.mutate({ name: name.trim() });
          }}
        >
          <TextField label={`New name for ${sub.name}`} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} error={update.error ? errorMessage(update.error) : null} />
          <button type="submit" className="button button-primary button-small">
            Save
          </button>
          <button type="button" className="button button-quiet button-small" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  return (
    <li className={sub.archived ? 'sub-row is-archived' : 'sub-row'}>
      <span className="sub-name">
        {sub.name}
        {sub.archived ? <span className="pill pill-quiet">Archived</span> : null}
      </span>
      <span className="sub-links">
        <a href={sub.feedbackUrl} className="mono small">
          {sub.feedbackUrl.replace(/^https?:\/\//, '')}
        </a>
        {smsCode && !sub.archived ? (
          <span className="small">
            Text <span className="mono">{`${smsCode} ${sub.code.toUpperCase()}`}</span>
          </span>
        ) : null}
        {sub.archived ? null : (
          <span className="small link-line">
            QR code:
            <a href={localPath(sub.qrSvgUrl)} download={`${locationCode}-${sub.code}-qr.svg`}>
              SVG<span className="visually-hidden"> QR code for {sub.name}</span>
            </a>
            <a href={localPath(sub.qrPngUrl)} download={`${locationCode}-${sub.code}-qr.png`}>
              PNG<span className="visually-hidden"> QR code for {sub.name}</span>
            </a>
          </span>
        )}
      </span>
      <span className="sub-actions">
        <button type="button" className="button button-quiet button-small" onClick={() => setEditing(true)}>
          Rename<span className="visually-hidden"> {sub.name}</span>
        </button>
        <button type="button" className="button button-quiet button-small" onClick={() => update.mutate({ archived: !sub.archived })} disabled={update.isPending}>
          {sub.archived ? 'Restore' : 'Archive'}
          <span className="visually-hidden"> {sub.name}</span>
        </button>
      </span>
    </li>
  );
}

function NewSubMeasureForm({ location, onMessage }: { location: Location; onMessage: (message: string) => void }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FieldErrors<'name'>>({});
  const create = useMutation({
    mutationFn: () => api.createSubMeasure(location.id, { name: name.trim(), code: codeFrom(name) }),
    onSuccess: async () => {
      onMessage(`${name.trim()} added to ${location.name}.`);
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['locations'] });
    },
  });
  return (
    <form
      ref={form}
      className="inline-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!subCodePattern.test(codeFrom(name))) {
          setErrors({ name: 'Enter a name with at least one letter or digit.' });
          focusFirstInvalid(form.current);
          return;
        }
        setErrors({});
        create.mutate();
      }}
    >
      <TextField label={`Add staff or sub-measure to ${location.name}`} value={name} onChange={(e) => setName(e.target.value)} error={errors.name ?? (create.error ? errorMessage(create.error) : null)} maxLength={200} />
      <button type="submit" className="button button-secondary button-small" disabled={create.isPending}>
        Add
      </button>
    </form>
  );
}

function LocationCard({ location, locations, depth, onMessage }: { location: Location; locations: Location[]; depth: number; onMessage: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const parent = locations.find((l) => l.id === location.parentId);
  const archive = useMutation({
    mutationFn: (archived: boolean) => api.updateLocation(location.id, { archived }),
    onSuccess: async (_r, archived) => {
      onMessage(archived ? `${location.name} archived: its link now says it no longer takes feedback.` : `${location.name} restored.`);
      await queryClient.invalidateQueries({ queryKey: ['locations'] });
    },
  });
  return (
    <li className={`card section location-card${location.archived ? ' is-archived' : ''}`} style={depth ? { marginInlineStart: `${Math.min(depth, 3) * 1}rem` } : undefined}>
      <div className="location-head">
        <div>
          <h3>
            {location.name} {location.archived ? <span className="pill pill-quiet">Archived</span> : null}
          </h3>
          {parent ? <p className="muted small">Part of {parent.name}</p> : null}
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary button-small" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
            Edit<span className="visually-hidden"> {location.name}</span>
          </button>
          <button type="button" className="button button-quiet button-small" onClick={() => archive.mutate(!location.archived)} disabled={archive.isPending}>
            {location.archived ? 'Restore' : 'Archive'}
            <span className="visually-hidden"> {location.name}</span>
          </button>
        </div>
      </div>
      {archive.error ? (
        <p className="field-error" role="alert">
          {errorMessage(archive.error)}
        </p>
      ) : null}
      {editing ? (
        <EditLocationForm
          location={location}
          locations={locations}
          onDone={(message) => {
            setEditing(false);
            if (message) onMessage(message);
          }}
        />
      ) : null}
      <div className="location-body">
        <img className="qr" src={localPath(location.qrSvgUrl)} width={112} height={112} alt={`QR code for the ${location.name} feedback page`} loading="lazy" />
        <dl className="facts">
          <div>
            <dt>Feedback link</dt>
            <dd className="link-line">
              <a href={location.feedbackUrl} className="mono">
                {location.feedbackUrl.replace(/^https?:\/\//, '')}
              </a>
              <CopyLink url={location.feedbackUrl} label={location.name} />
            </dd>
          </div>
          <div>
            <dt>SMS code</dt>
            <dd>{location.smsCode ? <span className="mono">{location.smsCode}</span> : <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>QR code to print</dt>
            <dd className="link-line">
              <a href={localPath(location.qrSvgUrl)} download={`${location.code}-qr.svg`}>
                SVG<span className="visually-hidden"> QR code for {location.name}</span>
              </a>
              <a href={localPath(location.qrPngUrl)} download={`${location.code}-qr.png`}>
                PNG<span className="visually-hidden"> QR code for {location.name}</span>
              </a>
            </dd>
          </div>
        </dl>
      </div>
      <div className="subs">
        <h4>Staff and sub-measures</h4>
        {location.subMeasures.length ? (
          <ul className="sub-list">
            {location.subMeasures.map((s) => (
              <SubMeasureRow key={s.id} sub={s} locationCode={location.code} smsCode={location.smsCode} onMessage={onMessage} />
            ))}
          </ul>
        ) : (
          <p className="muted small">None yet. Add staff to see feedback and scores per person.</p>
        )}
        {location.archived ? null : <NewSubMeasureForm location={location} onMessage={onMessage} />}
      </div>
    </li>
  );
}

export function LocationSettings() {
  const locations = useLocations(true);
  const [message, setMessage] = useState<string | null>(null);
  const list = locations.data ?? [];
  const ordered = orderLocations(list);
  const byId = new Map(list.map((l) => [l.id, l]));
  const active = ordered.filter((o) => !o.archived);
  const archived = ordered.filter((o) => o.archived);
  return (
    <SettingsSection title="Locations" permission="settings.manage" intro="Each location has its own feedback link, QR code and SMS code. Print the QR code for the counter or the receipt.">
      <FormMessage success={message} />
      {locations.isPending ? <Loading /> : null}
      {locations.error ? <LoadError error={locations.error} what="The locations" retry={() => void locations.refetch()} /> : null}
      {locations.data ? (
        <>
          {active.length ? (
            <ul className="card-list">
              {active.map((o) => {
                const l = byId.get(o.id);
                return l ? <LocationCard key={l.id} location={l} locations={list} depth={o.depth} onMessage={setMessage} /> : null;
              })}
            </ul>
          ) : (
            <Empty title="No locations yet">
              <p>Add your first location below.</p>
            </Empty>
          )}
          {archived.length ? (
            <details className="archived">
              <summary>Archived locations ({archived.length})</summary>
              <ul className="card-list">
                {archived.map((o) => {
                  const l = byId.get(o.id);
                  return l ? <LocationCard key={l.id} location={l} locations={list} depth={0} onMessage={setMessage} /> : null;
                })}
              </ul>
            </details>
          ) : null}
          <section className="card section" aria-labelledby="new-location-heading">
            <h3 id="new-location-heading">Add a location</h3>
            <NewLocationForm locations={list.filter((l) => !l.archived)} onDone={setMessage} />
          </section>
        </>
      ) : null}
    </SettingsSection>
  );
}
