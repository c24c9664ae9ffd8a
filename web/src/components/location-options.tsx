/** Locations as select options, indented under their parents (region → store). */
import type { Location } from '../api/types.ts';

export interface LocationOption {
  id: string;
  name: string;
  depth: number;
  archived: boolean;
}

export function orderLocations(locations: Location[]): LocationOption[] {
  const ids = new Set(locations.map((l) => l.id));
  const children = new Map<string | null, Location[]>();
  for (const location of locations) {
    const parent = location.parentId && ids.has(location.parentId) ? location.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(location);
    children.set(parent, list);
  }
  const out: LocationOption[] = [];
  const visit = (parent: string | null, depth: number) => {
    for (const location of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
      out.push({ id: location.id, name: location.name, depth, archived: location.archived });
      if (depth < 10) visit(location.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

export function LocationOptions({ locations, includeArchived = false }: { locations: Location[]; includeArchived?: boolean }) {
  return (
    <>
      {orderLocations(locations)
        .filter((l) => includeArchived || !l.archived)
        .map((l) => (
          <option key={l.id} value={l.id}>
            {`${'\u2003'.repeat(l.depth)}${l.name}${l.archived ? ' (archived)' : ''}`}
          </option>
        ))}
    </>
  );
}
