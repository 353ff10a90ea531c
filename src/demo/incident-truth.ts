import { type DemoRow, datetime, INCIDENT_START, type Incident, idOf } from './incident.js';
import { SHOP_COLUMNS, SHOP_TABLES, type ShopTable } from './shop-schema.js';

/**
 * What the incident holds, by class, computed from the generated rows alone: an oracle that
 * knows nothing of the diff engine or the planner, for the demo's narration and for tests that
 * check them against it.
 */
export interface TruthCounts {
  identical: number;
  /** same id, same entity, edited during the incident */
  changed: number;
  onlyBackup: number;
  onlyInterim: number;
  /** same id, different entity: the interim row was created after incident.start */
  collision: number;
}

export function incidentTruth(incident: Incident): Record<ShopTable, TruthCounts> {
  const out = {} as Record<ShopTable, TruthCounts>;
  for (const t of SHOP_TABLES) {
    out[t] =
      t === 'audit_log'
        ? multisetTruth(incident.backup[t], incident.interim[t])
        : keyedTruth(t, incident.backup[t], incident.interim[t]);
  }
  return out;
}

/** What `diff` reports: it cannot tell a collision from an edit, both are `changed`. */
export function diffView(t: TruthCounts): Omit<TruthCounts, 'collision'> {
  return {
    identical: t.identical,
    changed: t.changed + t.collision,
    onlyBackup: t.onlyBackup,
    onlyInterim: t.onlyInterim,
  };
}

const START = datetime(Date.parse(INCIDENT_START));

function keyedTruth(t: ShopTable, backup: DemoRow[], interim: DemoRow[]): TruthCounts {
  const c: TruthCounts = { identical: 0, changed: 0, onlyBackup: 0, onlyInterim: 0, collision: 0 };
  const b = new Map(backup.map((r) => [idOf(r), r]));
  for (const r of interim) {
    const twin = b.get(idOf(r));
    if (!twin) c.onlyInterim++;
    else if (rowText(t, twin) === rowText(t, r)) c.identical++;
    else if (String(r.created_at) > START) c.collision++;
    else c.changed++;
    b.delete(idOf(r));
  }
  c.onlyBackup = b.size;
  return c;
}

function multisetTruth(backup: DemoRow[], interim: DemoRow[]): TruthCounts {
  const n = new Map<string, number>();
  for (const r of backup) n.set(rowText('audit_log', r), (n.get(rowText('audit_log', r)) ?? 0) + 1);
  const c: TruthCounts = { identical: 0, changed: 0, onlyBackup: 0, onlyInterim: 0, collision: 0 };
  for (const r of interim) {
    const k = rowText('audit_log', r);
    const left = n.get(k) ?? 0;
    if (left > 0) {
      c.identical++;
      n.set(k, left - 1);
    } else c.onlyInterim++;
  }
  for (const left of n.values()) c.onlyBackup += left;
  return c;
}

function rowText(t: ShopTable, r: DemoRow): string {
  return JSON.stringify(
    SHOP_COLUMNS[t].map((col) => {
      const v = r[col];
      return Buffer.isBuffer(v) ? { hex: v.toString('hex') } : (v ?? null);
    }),
  );
}
