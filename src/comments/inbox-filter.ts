/** The inbox's filters by sentiment and theme, as a condition on its feedback alias `f`. */
import { sql } from 'kysely';
import type { ClientId, Trx } from '../db/tenancy.ts';
import type { SentimentLabel } from './tables.ts';

export function commentAnalysisCondition(filter: { sentiment?: SentimentLabel | undefined; themeId?: string | undefined }) {
  return sql<boolean>`exists (select 1 from comment_analysis a where a.client_id = f.client_id and a.feedback_id = f.id
    ${filter.sentiment ? sql`and a.sentiment = ${filter.sentiment}` : sql``}
    ${filter.themeId ? sql`and a.theme_ids @> array[${filter.themeId}]::uuid[]` : sql``})`;
}

export async function themeExists(trx: Trx, clientId: ClientId, themeId: string): Promise<boolean> {
  return Boolean(await trx.selectFrom('comment_themes').select('id').where('client_id', '=', clientId).where('id', '=', themeId).executeTakeFirst());
}
