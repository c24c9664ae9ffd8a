/**
 * Reports: download the monthly report PDF of a month (the figures of the dashboard and
 * rankings for it, in the person's own scope), of every location they see or of one location
 * and those below it. Whether it also comes by email is chosen in the account page.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import { saveFile } from '../api/exports.ts';
import { useLocations } from '../api/queries.ts';
import { reportsApi } from '../api/reports.ts';
import { FormMessage, SelectField } from '../components/forms.tsx';
import { LocationOptions } from '../components/location-options.tsx';
import { Page } from '../components/page.tsx';
import { todayIn } from '../lib/dates.ts';
import { useSession } from '../session.tsx';

/** The current month and the 23 before it, newest first, as YYYY-MM. */
function recentMonths(today: string): string[] {
  const [y = 1970, m = 1] = today.split('-').map(Number);
  return Array.from({ length: 24 }, (_, i) => new Date(Date.UTC(y, m - 1 - i, 1)).toISOString().slice(0, 7));
}

function monthLabel(month: string): string {
  const [y = 1970, m = 1] = month.split('-').map(Number);
  return new Intl.DateTimeFormat('en-NZ', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

export function ReportsPage() {
  const session = useSession();
  const client = useQuery({ queryKey: ['client'], queryFn: api.clientSettings, staleTime: 5 * 60_000, retry: false });
  const months = recentMonths(todayIn(client.data?.timezone));
  const [month, setMonth] = useState<string | null>(null);
  const chosen = month ?? months[1] ?? months[0] ?? '';
  const [saved, setSaved] = useState<string | null>(null);
  // The locations this person sees (a manager: their own); a choice only when there are several.
  const locations = useLocations();
  const [locationId, setLocationId] = useState('');
  const download = useMutation({
    mutationFn: () => reportsApi.downloadMonthlyReport(chosen, locationId || undefined),
    onSuccess: (file) => {
      saveFile(file);
      setSaved(`Downloaded ${file.fileName}.`);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    download.mutate();
  }
  const scoped = session.activeMembership?.locationScope != null;
  const everyLocation = scoped ? 'All your locations' : 'All locations';
  const chosenLocation = locations.data?.find((l) => l.id === locationId);
  const hasBelow = Boolean(chosenLocation && locations.data?.some((l) => l.parentId === chosenLocation.id));
  return (
    <Page title="Reports" intro="The monthly report: score, volume, trend, channel mix, rankings, themes and recent comments, as a PDF.">
      <form className="card section stack" onSubmit={submit} aria-labelledby="monthly-report-heading">
        <h2 id="monthly-report-heading">Monthly report</h2>
        <p>
          {chosenLocation
            ? `It covers ${chosenLocation.name}${hasBelow ? ' and the locations below it' : ''}. `
            : scoped
              ? 'It covers the locations you can see. '
              : 'It covers every location. '}
          The figures are the dashboard&rsquo;s for that calendar month; the current month shows the month so far.
        </p>
        <SelectField label="Month" value={chosen} onChange={(e) => setMonth(e.target.value)}>
          {months.map((m, i) => (
            <option key={m} value={m}>
              {monthLabel(m)}
              {i === 0 ? ' (so far)' : ''}
            </option>
          ))}
        </SelectField>
        {locations.data && locations.data.length > 1 ? (
          <SelectField label="Location" value={locationId} onChange={(e) => setLocationId(e.target.value)}>
            <option value="">{everyLocation}</option>
            <LocationOptions locations={locations.data} />
          </SelectField>
        ) : null}
        <FormMessage error={download.error ? errorMessage(download.error) : null} success={saved} />
        <div className="form-actions">
          <button type="submit" className="button" disabled={download.isPending || !chosen}>
            {download.isPending ? 'Preparing the PDF…' : 'Download PDF'}
          </button>
        </div>
        <p className="section-note">
          To receive it by email on the first working day of each month, turn it on in <Link to="/account#monthly-report">your account</Link>.
        </p>
      </form>
    </Page>
  );
}
