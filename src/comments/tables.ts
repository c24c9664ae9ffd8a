/** The tables of comment analysis (migration 0016), for Kysely. */
import type { ColumnType, Generated } from 'kysely';

type Uuid = string;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Count = ColumnType<number, number, number>;
/** bigint sums: src/db/connect.ts reads int8 as a number. */
type Sum = ColumnType<number, number, number>;

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface CommentThemesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  name: string;
  keywords: string[];
  term_keys: string[];
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CommentAnalysisTable {
  client_id: Uuid;
  feedback_id: Uuid;
  location_id: Uuid;
  submitted_at: Timestamp;
  day: ColumnType<string, string, string>;
  sentiment: SentimentLabel;
  sentiment_milli: number;
  rating_percent: number;
  theme_ids: Generated<Uuid[]>;
  terms: Generated<string[]>;
  term_labels: Generated<string[]>;
  analysed_at: Generated<Date>;
}

export interface CommentTermsTable {
  client_id: Uuid;
  term: string;
  submitted_at: Timestamp;
  feedback_id: Uuid;
  location_id: Uuid;
}

export interface CommentTermDailyTable {
  client_id: Uuid;
  day: ColumnType<string, string, string>;
  location_id: Uuid;
  term: string;
  label: string;
  comments: Count;
  sentiment_milli_sum: Sum;
  rating_percent_sum: Sum;
}

export interface CommentThemeDailyTable {
  client_id: Uuid;
  theme_id: Uuid;
  day: ColumnType<string, string, string>;
  location_id: Uuid;
  comments: Count;
  sentiment_milli_sum: Sum;
  rating_percent_sum: Sum;
}

export interface CommentTables {
  comment_themes: CommentThemesTable;
  comment_analysis: CommentAnalysisTable;
  comment_terms: CommentTermsTable;
  comment_term_daily: CommentTermDailyTable;
  comment_theme_daily: CommentThemeDailyTable;
}
