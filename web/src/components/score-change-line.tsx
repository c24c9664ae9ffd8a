/** The dashboard headline's change since the previous equal-length period, marked significant or not (Welch's t-test at 95%). */
import { useQuery } from '@tanstack/react-query';
import { insightsApi } from '../api/insights.ts';
import { formatScoreValue } from '../lib/format.ts';
import { ChangeMark } from './change-mark.tsx';

export function ScoreChangeLine({ period, programmeId, locationId }: { period: { from: string; to: string }; programmeId: string; locationId: string }) {
  const query = { from: period.from, to: period.to, programmeId, ...(locationId ? { locationId } : {}) };
  const change = useQuery({ queryKey: ['score-change', query], queryFn: ({ signal }) => insightsApi.scoreChange(query, signal) });
  const data = change.data;
  if (!data) return null;
  const previous = data.previous.score;
  return (
    <p className="stat-detail score-change" title={data.changeTest}>
      {previous ? (
        <>
          Previous period {formatScoreValue(previous.value, data.scoreKind)}: <ChangeMark change={data.change} kind={data.scoreKind} />
        </>
      ) : (
        'No responses in the previous period to compare with.'
      )}
    </p>
  );
}
