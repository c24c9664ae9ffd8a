/**
 * A client's themes, managed by its admins. Every change re-tags the client's comments
 * (a job), so the inbox filter and the theme trends follow the new keywords.
 */
import type { Access } from '../accounts/index.ts';
import { withAccess } from '../accounts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { defaultThemes } from './default-themes.ts';
import { enqueueRetag } from './jobs/retag-comments.ts';
import { MAX_THEMES, type Theme, type ThemeBody } from './schemas.ts';
import { keywordKey } from './terms.ts';

export type ThemeChange =
  | { ok: true; theme: Theme }
  | { ok: false; reason: 'not_found' | 'duplicate_name' | 'too_many_themes' }
  | { ok: false; reason: 'bad_keyword'; message: string };

type KeywordsResult = { ok: true; keywords: string[]; termKeys: string[] } | { ok: false; message: string };

const keywordProblems = {
  stop_word: 'is too common a word to tell comments apart (like "the" or "was"); choose a more telling word',
  too_many_words: 'has more than two words; a keyword is one word or a two-word phrase',
  not_a_word: 'has no letters',
} as const;

/** The keywords, tidied and de-duplicated, and the term keys they match. */
export function prepareKeywords(raw: readonly string[]): KeywordsResult {
  const keywords: string[] = [];
  const termKeys = new Set<string>();
  for (const word of raw) {
    const tidy = word.trim().toLowerCase().replace(/\s+/g, ' ');
    const key = keywordKey(tidy);
    if (!key.ok) return { ok: false, message: `The keyword "${word.trim()}" ${keywordProblems[key.reason]}.` };
    if (!keywords.includes(tidy)) keywords.push(tidy);
    termKeys.add(key.key);
  }
  return { ok: true, keywords, termKeys: [...termKeys] };
}

function present(row: { id: string; name: string; keywords: string[]; updated_at: Date }): Theme {
  return { id: row.id, name: row.name, keywords: row.keywords, updatedAt: row.updated_at.toISOString() };
}

/** The default themes of a new client, in the transaction that creates it. */
export async function createDefaultThemes(trx: Trx, clientId: ClientId): Promise<void> {
  await trx
    .insertInto('comment_themes')
    .values(
      defaultThemes.map((t) => {
        const prepared = prepareKeywords(t.keywords);
        if (!prepared.ok) throw new Error(`default theme ${t.name}: ${prepared.message}`);
        return { client_id: clientId, name: t.name, keywords: prepared.keywords, term_keys: prepared.termKeys };
      }),
    )
    .execute();
}

export async function listThemes(services: Services, access: Access): Promise<Theme[]> {
  return withAccess(services.db, access, async (trx) => {
    const rows = await trx.selectFrom('comment_themes').select(['id', 'name', 'keywords', 'updated_at']).where('client_id', '=', access.clientId).orderBy('name').execute();
    return rows.map(present);
  });
}

async function nameTaken(trx: Trx, clientId: ClientId, name: string, except: string | null): Promise<boolean> {
  let q = trx.selectFrom('comment_themes').select('id').where('client_id', '=', clientId).where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()));
  if (except) q = q.where('id', '<>', except);
  return Boolean(await q.executeTakeFirst());
}

export async function createTheme(services: Services, access: Access, body: ThemeBody): Promise<ThemeChange> {
  const prepared = prepareKeywords(body.keywords);
  if (!prepared.ok) return { ok: false, reason: 'bad_keyword', message: prepared.message };
  return withAccess(services.db, access, async (trx) => {
    // Serialises theme changes of one client, so the count and name checks hold.
    await trx.selectFrom('clients').select('id').where('id', '=', access.clientId).forUpdate().executeTakeFirst();
    const { count } = await trx.selectFrom('comment_themes').select((eb) => eb.fn.countAll<number>().as('count')).where('client_id', '=', access.clientId).executeTakeFirstOrThrow();
    if (Number(count) >= MAX_THEMES) return { ok: false, reason: 'too_many_themes' } as const;
    if (await nameTaken(trx, access.clientId, body.name, null)) return { ok: false, reason: 'duplicate_name' } as const;
    const row = await trx
      .insertInto('comment_themes')
      .values({ client_id: access.clientId, name: body.name, keywords: prepared.keywords, term_keys: prepared.termKeys })
      .returning(['id', 'name', 'keywords', 'updated_at'])
      .executeTakeFirstOrThrow();
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'comment_theme.created', subjectKind: 'comment_theme', subjectId: row.id });
    await enqueueRetag(services, trx, access.clientId);
    return { ok: true, theme: present(row) } as const;
  });
}

export async function replaceTheme(services: Services, access: Access, themeId: string, body: ThemeBody): Promise<ThemeChange> {
  const prepared = prepareKeywords(body.keywords);
  if (!prepared.ok) return { ok: false, reason: 'bad_keyword', message: prepared.message };
  return withAccess(services.db, access, async (trx) => {
    await trx.selectFrom('clients').select('id').where('id', '=', access.clientId).forUpdate().executeTakeFirst();
    const exists = await trx.selectFrom('comment_themes').select('id').where('client_id', '=', access.clientId).where('id', '=', themeId).executeTakeFirst();
    if (!exists) return { ok: false, reason: 'not_found' } as const;
    if (await nameTaken(trx, access.clientId, body.name, themeId)) return { ok: false, reason: 'duplicate_name' } as const;
    const row = await trx
      .updateTable('comment_themes')
      .set({ name: body.name, keywords: prepared.keywords, term_keys: prepared.termKeys, updated_at: new Date() })
      .where('client_id', '=', access.clientId)
      .where('id', '=', themeId)
      .returning(['id', 'name', 'keywords', 'updated_at'])
      .executeTakeFirstOrThrow();
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'comment_theme.changed', subjectKind: 'comment_theme', subjectId: row.id });
    await enqueueRetag(services, trx, access.clientId);
    return { ok: true, theme: present(row) } as const;
  });
}

export async function deleteTheme(services: Services, access: Access, themeId: string): Promise<boolean> {
  return withAccess(services.db, access, async (trx) => {
    const deleted = await trx.deleteFrom('comment_themes').where('client_id', '=', access.clientId).where('id', '=', themeId).returning('id').executeTakeFirst();
    if (!deleted) return false;
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'comment_theme.deleted', subjectKind: 'comment_theme', subjectId: themeId });
    await enqueueRetag(services, trx, access.clientId);
    return true;
  });
}
