/**
 * The rows of a generated incident over a parent `p (id, created_at)` and a child
 * `c (id, p_id, created_at)`: every fifth parent and a third of the children created after
 * the incident in the interim, children whose parent changed, children that point at a
 * parent created since (the interim's are loaded with FOREIGN_KEY_CHECKS=0). As `(…)` value
 * lists for `INSERT INTO p VALUES …` and `INSERT INTO c VALUES …`.
 */
export function incidentRows(): {
  readonly backup: { readonly p: string; readonly c: string };
  readonly interim: { readonly p: string; readonly c: string };
} {
  const old = '2019-01-01 00:00:00';
  const neu = '2020-03-01 00:00:00';
  const pb = Array.from({ length: 60 }, (_, i) => `(${i + 1}, '${old}')`);
  const pi = Array.from({ length: 60 }, (_, i) => `(${i + 1}, '${(i + 1) % 5 === 0 ? neu : old}')`);
  const cb: string[] = [];
  const ci: string[] = [];
  for (let id = 1; id <= 90; id++) {
    const parent = ((id * 7) % 60) + 1;
    if (id % 3 === 1) ci.push(`(${id}, ${parent - (parent % 5) || 5}, '${neu}')`);
    else {
      cb.push(`(${id}, ${parent}, '${old}')`);
      ci.push(`(${id}, ${parent}, '${id % 3 === 0 ? neu : old}')`);
    }
  }
  return {
    backup: { p: pb.join(','), c: cb.join(',') },
    interim: { p: pi.join(','), c: ci.join(',') },
  };
}
