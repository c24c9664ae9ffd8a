/** The team: members with their roles and locations, open invitations, and inviting someone new. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { api } from '../../api/endpoints.ts';
import { useLocations } from '../../api/queries.ts';
import type { Location, Role, TeamMember } from '../../api/types.ts';
import { ConfirmButton, FormMessage, SelectField, TextField, focusFirstInvalid } from '../../components/forms.tsx';
import { orderLocations } from '../../components/location-options.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatDate, keys, roleHelp, roleNames } from '../../lib/format.ts';
import { useSession } from '../../session.tsx';
import { SettingsSection } from './settings.tsx';

const scopedRoles: ReadonlySet<Role> = new Set(['manager', 'viewer']);

function scopeText(scope: string[] | null, locations: Location[] | undefined): string {
  if (scope === null) return 'All locations';
  if (!scope.length) return 'No locations';
  const names = scope.map((id) => locations?.find((l) => l.id === id)?.name ?? 'a removed location');
  return names.join(', ');
}

/** All locations, or a chosen few (each with everything beneath it). */
function ScopePicker({ value, onChange, locations }: { value: string[] | null; onChange: (next: string[] | null) => void; locations: Location[] | undefined }) {
  const name = useId();
  const options = orderLocations(locations ?? []).filter((l) => !l.archived);
  return (
    <fieldset className="fieldset">
      <legend className="field-label">Locations they can see</legend>
      <div className="radio">
        <input type="radio" id={`${name}-all`} name={name} checked={value === null} onChange={() => onChange(null)} />
        <label htmlFor={`${name}-all`}>All locations</label>
      </div>
      <div className="radio">
        <input type="radio" id={`${name}-some`} name={name} checked={value !== null} onChange={() => onChange([])} disabled={!options.length} />
        <label htmlFor={`${name}-some`}>Only the locations ticked below (and any beneath them)</label>
      </div>
      {value !== null ? (
        <ul className="scope-list">
          {options.map((l) => (
            <li key={l.id} style={{ paddingInlineStart: `${l.depth * 1.25}rem` }}>
              <input
                type="checkbox"
                id={`${name}-${l.id}`}
                checked={value.includes(l.id)}
                onChange={(e) => onChange(e.target.checked ? [...value, l.id] : value.filter((id) => id !== l.id))}
              />
              <label htmlFor={`${name}-${l.id}`}>{l.name}</label>
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}

function RoleSelect({ value, onChange, myRole, hint }: { value: Role; onChange: (role: Role) => void; myRole: Role | undefined; hint?: boolean }) {
  return (
    <SelectField label="Role" value={value} onChange={(e) => onChange(e.target.value as Role)} hint={hint ? roleHelp[value] : undefined}>
      {keys(roleNames)
        .filter((r) => r !== 'owner' || myRole === 'owner' || value === 'owner')
        .map((r) => (
          <option key={r} value={r}>
            {roleNames[r]}
          </option>
        ))}
    </SelectField>
  );
}

function InviteForm({ locations, onDone }: { locations: Location[] | undefined; onDone: (message: string) => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('manager');
  const [scope, setScope] = useState<string[] | null>(null);
  const [emailError, setEmailError] = useState<string | null>(null);
  const [scopeError, setScopeError] = useState<string | null>(null);
  const invite = useMutation({
    mutationFn: () => api.invite({ email: email.trim(), role, locationScope: scopedRoles.has(role) ? scope : null }),
    onSuccess: async () => {
      onDone(`Invitation sent to ${email.trim()}. The link in it works for 7 days.`);
      setEmail('');
      setScope(null);
      await queryClient.invalidateQueries({ queryKey: ['team'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const badEmail = !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim());
    setEmailError(badEmail ? 'Enter an email address like name@example.com.' : null);
    const badScope = scopedRoles.has(role) && scope !== null && scope.length === 0;
    setScopeError(badScope ? 'Tick at least one location, or choose all locations.' : null);
    if (badEmail || badScope) {
      focusFirstInvalid(form.current);
      return;
    }
    invite.mutate();
  }
  return (
    <form ref={form} className="stack" onSubmit={submit} noValidate>
      <div className="two-col">
        <TextField label="Email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} error={emailError} />
        <RoleSelect value={role} onChange={setRole} myRole={session.activeMembership?.role} hint />
      </div>
      {scopedRoles.has(role) ? <ScopePicker value={scope} onChange={setScope} locations={locations} /> : null}
      {scopeError ? (
        <p className="field-error" role="alert">
          {scopeError}
        </p>
      ) : null}
      <FormMessage error={invite.error ? errorMessage(invite.error) : null} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={invite.isPending}>
          {invite.isPending ? 'Sending…' : 'Send invitation'}
        </button>
      </div>
    </form>
  );
}

function MemberRow({ member, locations, onMessage }: { member: TeamMember; locations: Location[] | undefined; onMessage: (message: string) => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [role, setRole] = useState<Role>(member.role);
  const [scope, setScope] = useState<string[] | null>(member.locationScope);
  const update = useMutation({
    mutationFn: () => api.updateMember(member.userId, { role, locationScope: scopedRoles.has(role) ? scope : null }),
    onSuccess: async () => {
      setEditing(false);
      onMessage(`${member.name} is now ${roleNames[role].toLowerCase()}.`);
      await queryClient.invalidateQueries({ queryKey: ['team'] });
    },
  });
  const remove = useMutation({
    mutationFn: () => api.removeMember(member.userId),
    onSuccess: async () => {
      onMessage(`${member.name} was removed from the team.`);
      await queryClient.invalidateQueries({ queryKey: ['team'] });
    },
  });
  const isMe = member.userId === session.user.id;
  return (
    <li className="member">
      <div className="member-main">
        <p className="member-name">
          {member.name}
          {isMe ? <span className="muted"> (you)</span> : null}
        </p>
        <p className="muted">{member.email}</p>
      </div>
      <dl className="member-facts">
        <div>
          <dt>Role</dt>
          <dd>{roleNames[member.role]}</dd>
        </div>
        <div>
          <dt>Sees</dt>
          <dd>{scopeText(member.locationScope, locations)}</dd>
        </div>
        <div>
          <dt>Two-factor</dt>
          <dd>{member.totpEnabled ? 'On' : 'Off'}</dd>
        </div>
        <div>
          <dt>Joined</dt>
          <dd>{formatDate(member.joinedAt)}</dd>
        </div>
      </dl>
      {editing ? (
        <form
          className="stack member-edit"
          onSubmit={(e) => {
            e.preventDefault();
            update.mutate();
          }}
          aria-label={`Change ${member.name}'s access`}
        >
          <RoleSelect value={role} onChange={setRole} myRole={session.activeMembership?.role} hint />
          {scopedRoles.has(role) ? <ScopePicker value={scope} onChange={setScope} locations={locations} /> : null}
          <FormMessage error={update.error ? errorMessage(update.error) : null} />
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={update.isPending}>
              Save
            </button>
            <button type="button" className="button button-quiet" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="form-actions member-actions">
          <button type="button" className="button button-secondary button-small" onClick={() => setEditing(true)}>
            Change access<span className="visually-hidden"> of {member.name}</span>
          </button>
          {isMe ? null : (
            <ConfirmButton question={`Remove ${member.name} from the team?`} confirmLabel="Remove" onConfirm={() => remove.mutate()} disabled={remove.isPending}>
              Remove<span className="visually-hidden"> {member.name}</span>
            </ConfirmButton>
          )}
          {remove.error ? (
            <p className="field-error" role="alert">
              {errorMessage(remove.error)}
            </p>
          ) : null}
        </div>
      )}
    </li>
  );
}

export function TeamSettings() {
  const queryClient = useQueryClient();
  const team = useQuery({ queryKey: ['team'], queryFn: api.team });
  const locations = useLocations();
  const [message, setMessage] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeInvitation(id),
    onSuccess: async () => {
      setMessage('Invitation withdrawn; its link no longer works.');
      await queryClient.invalidateQueries({ queryKey: ['team'] });
    },
  });
  return (
    <SettingsSection title="Team" permission="users.manage" intro="Who can sign in to this business, what they may do, and which locations they see.">
      <FormMessage success={message} error={revoke.error ? errorMessage(revoke.error) : null} />
      {team.isPending ? <Loading /> : null}
      {team.error ? <LoadError error={team.error} what="The team" retry={() => void team.refetch()} /> : null}
      {team.data ? (
        <>
          <section className="card section" aria-labelledby="members-heading">
            <h3 id="members-heading">Members</h3>
            <ul className="member-list">
              {team.data.members.map((m) => (
                <MemberRow key={m.userId} member={m} locations={locations.data} onMessage={setMessage} />
              ))}
            </ul>
          </section>
          <section className="card section" aria-labelledby="invitations-heading">
            <h3 id="invitations-heading">Open invitations</h3>
            {team.data.invitations.length ? (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Email</th>
                      <th scope="col">Role</th>
                      <th scope="col">Sees</th>
                      <th scope="col">Link works until</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {team.data.invitations.map((inv) => (
                      <tr key={inv.id}>
                        <th scope="row">{inv.email}</th>
                        <td>{roleNames[inv.role]}</td>
                        <td>{scopeText(inv.locationScope, locations.data)}</td>
                        <td>{formatDate(inv.expiresAt)}</td>
                        <td className="actions-cell">
                          <ConfirmButton question={`Withdraw the invitation to ${inv.email}?`} confirmLabel="Withdraw" onConfirm={() => revoke.mutate(inv.id)}>
                            Withdraw<span className="visually-hidden"> invitation to {inv.email}</span>
                          </ConfirmButton>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty title="No open invitations" />
            )}
          </section>
        </>
      ) : null}
      <section className="card section" aria-labelledby="invite-heading">
        <h3 id="invite-heading">Invite someone</h3>
        <p className="section-note">They get an email with a link to set their password and join.</p>
        <InviteForm locations={locations.data} onDone={setMessage} />
      </section>
    </SettingsSection>
  );
}
