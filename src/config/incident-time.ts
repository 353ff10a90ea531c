/**
 * The incident's start, in the forms rows are compared with. A TIMESTAMP value is read in UTC
 * (every session runs at UTC); a DATETIME or DATE holds wall-clock time with no zone, taken to
 * be in the offset `incident.start` was written with (the business's local time).
 */
export interface IncidentStart {
  /** as written in the config */
  readonly iso: string;
  /** 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: compared with TIMESTAMP values */
  readonly utc: string;
  /** the same layout in the offset the config gave: compared with DATETIME and DATE values */
  readonly local: string;
  /** seconds since the epoch, decimal: compared with integer columns (unix time) */
  readonly epochSeconds: string;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses an ISO 8601 date-time with an explicit offset; null when it is not one. */
export function parseIncidentStart(iso: string): IncidentStart | null {
  const m = ISO.exec(iso.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const micros = frac.padEnd(6, '0');
  const local = `${y}-${mo}-${d} ${h}:${mi}:${s}.${micros}`;
  const offsetMinutes = zone === 'Z' ? 0 : parseOffset(zone);
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(wall);
  // Date.UTC rolls 2020-02-31 over to March: reject what is not a real date.
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return null;
  }
  const utcMs = wall - offsetMinutes * 60_000;
  return {
    iso,
    utc: `${formatUtc(utcMs)}.${micros}`,
    local,
    epochSeconds: String(Math.floor(utcMs / 1000)),
  };
}

function parseOffset(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

function formatUtc(ms: number): string {
  const t = new Date(ms).toISOString(); // 2020-02-23T11:00:00.000Z
  return `${t.slice(0, 10)} ${t.slice(11, 19)}`;
}

/**
 * Pads a temporal value as the server prints it ('2020-02-23', '2020-02-23 19:00:01.5') to the
 * fixed layout 'YYYY-MM-DD HH:MM:SS.ffffff', so that text order is time order.
 */
export function padTemporal(v: string): string {
  const [date = '', time = '00:00:00'] = v.split(' ');
  const [hms = '00:00:00', frac = ''] = time.split('.');
  return `${date} ${hms}.${frac.padEnd(6, '0')}`;
}
