/**
 * The fixed lists a client chooses its benchmark cell from, and the thresholds a cell must
 * meet before any of its figures is shown.
 */
export const industries = [
  { id: 'cafe_restaurant', name: 'Café or restaurant' },
  { id: 'retail', name: 'Retail' },
  { id: 'health', name: 'Health' },
  { id: 'automotive', name: 'Automotive' },
  { id: 'hospitality', name: 'Hospitality and accommodation' },
  { id: 'professional_services', name: 'Professional services' },
  { id: 'other', name: 'Other' },
] as const;

/** New Zealand's regions (the 16 regional council areas and the Chatham Islands). */
export const regions = [
  { id: 'northland', name: 'Northland' },
  { id: 'auckland', name: 'Auckland' },
  { id: 'waikato', name: 'Waikato' },
  { id: 'bay_of_plenty', name: 'Bay of Plenty' },
  { id: 'gisborne', name: 'Gisborne' },
  { id: 'hawkes_bay', name: "Hawke's Bay" },
  { id: 'taranaki', name: 'Taranaki' },
  { id: 'manawatu_whanganui', name: 'Manawatū-Whanganui' },
  { id: 'wellington', name: 'Wellington' },
  { id: 'tasman', name: 'Tasman' },
  { id: 'nelson', name: 'Nelson' },
  { id: 'marlborough', name: 'Marlborough' },
  { id: 'west_coast', name: 'West Coast' },
  { id: 'canterbury', name: 'Canterbury' },
  { id: 'otago', name: 'Otago' },
  { id: 'southland', name: 'Southland' },
  { id: 'chatham_islands', name: 'Chatham Islands' },
] as const;

export type IndustryId = (typeof industries)[number]['id'];
export type RegionId = (typeof regions)[number]['id'];

export const industryIds = industries.map((i) => i.id) as [IndustryId, ...IndustryId[]];
export const regionIds = regions.map((r) => r.id) as [RegionId, ...RegionId[]];

/**
 * A cell is shown only when all hold (the database function `hark_benchmark_cell` applies
 * them and refuses anything looser): at least 5 contributing clients besides the one asking,
 * each counted only with at least 10 responses in the period, at least 100 responses in the
 * cell, and no client with more than half of them.
 */
export const thresholds = {
  minOtherClients: 5,
  minCellResponses: 100,
  minClientResponses: 10,
  maxClientShare: 0.5,
} as const;

export const hiddenRules = ['not_configured', 'too_few_clients', 'too_few_responses', 'dominant_client', 'complement_too_small'] as const;
export type HiddenRule = (typeof hiddenRules)[number];

/** Why a cell is hidden, in words for the person asking. */
export function explainHidden(rule: HiddenRule, cell: 'industry' | 'region'): string {
  switch (rule) {
    case 'not_configured':
      return cell === 'region'
        ? 'Choose your industry and region in Settings → Benchmarks to compare with businesses in your region.'
        : 'Choose your industry in Settings → Benchmarks to compare with similar businesses.';
    case 'too_few_clients':
      return `Fewer than ${thresholds.minOtherClients} other businesses (each with at least ${thresholds.minClientResponses} responses in the period) contribute to this comparison, so it is hidden to keep their figures private.`;
    case 'too_few_responses':
      return `The businesses in this comparison gave fewer than ${thresholds.minCellResponses} responses in the period, too few to compare fairly.`;
    case 'dominant_client':
      return 'One business gives more than half of the responses in this comparison, so its own figures would show through; the comparison is hidden.';
    case 'complement_too_small':
      return `Fewer than ${thresholds.minOtherClients} businesses of your industry are outside your region, so comparing the regional figures with the industry's would single them out. Compare with your whole industry instead.`;
  }
}
