/** The account's choice of receiving the monthly report PDF by email, for the business being worked in. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../api/client.ts';
import { reportsApi } from '../api/reports.ts';
import { Checkbox, FormMessage } from './forms.tsx';
import { LoadError, Loading } from './status.tsx';

const key = ['account', 'monthly-report'];

export function MonthlyReportSubscription({ clientName }: { clientName: string }) {
  const queryClient = useQueryClient();
  const current = useQuery({ queryKey: key, queryFn: reportsApi.subscription, retry: false });
  const [saved, setSaved] = useState<string | null>(null);
  // The box follows the click at once; a refused change puts it back.
  const [asked, setAsked] = useState<boolean | null>(null);
  const choose = useMutation({
    mutationFn: reportsApi.setSubscription,
    onError: () => setAsked(null),
    onSuccess: (next) => {
      queryClient.setQueryData(key, next);
      setAsked(null);
      setSaved(next.subscribed ? 'The monthly report will come to you by email.' : 'The monthly report will not be emailed to you.');
    },
  });
  return (
    <section className="card section stack" aria-labelledby="monthly-report-heading" id="monthly-report">
      <h2 id="monthly-report-heading">Monthly report by email</h2>
      {current.isPending ? <Loading label="Loading your choice…" /> : null}
      {current.error ? <LoadError error={current.error} what="Your monthly report choice" retry={() => void current.refetch()} /> : null}
      {current.data ? (
        <Checkbox
          label="Email me the monthly report"
          hint={`The PDF of ${clientName} for the month before, on the first working day of each month, for the locations you can see.${current.data.chosen ? '' : ' Owners and admins receive it unless they turn it off.'}`}
          checked={asked ?? current.data.subscribed}
          onChange={(e) => {
            setSaved(null);
            setAsked(e.target.checked);
            choose.mutate(e.target.checked);
          }}
        />
      ) : null}
      <FormMessage error={choose.error ? errorMessage(choose.error) : null} success={saved} />
    </section>
  );
}
