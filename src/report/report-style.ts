/** The HTML report's style sheet, inlined: the file must stand alone. */
export const REPORT_CSS = `
:root { --fg: #1d2330; --muted: #6b7380; --line: #dde1e7; --bg: #ffffff; --soft: #f5f7fa;
  --identical: #b8c0cc; --changed: #e6a23c; --onlyBackup: #409eff; --onlyInterim: #55b043;
  --collision: #e05656; --ok: #2f8a3b; --bad: #c62828; --warn: #b26a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 10px; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 8px; }
code { font: 12.5px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted { color: var(--muted); }
.tag { background: var(--soft); border: 1px solid var(--line); border-radius: 3px; padding: 0 5px; font-size: 12px; }
dl.sources { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 14px; }
dl.sources dt { color: var(--muted); }
dl.sources dd { margin: 0; overflow-wrap: anywhere; }
ul.verdict { list-style: none; padding: 0; margin: 0; }
li.status { padding: 6px 10px 6px 30px; margin: 4px 0; border-radius: 4px; position: relative; background: var(--soft); }
li.status::before { position: absolute; left: 10px; font-weight: bold; }
li.status.ok { background: #eaf6ec; } li.status.ok::before { content: "✓"; color: var(--ok); }
li.status.bad { background: #fdecec; } li.status.bad::before { content: "✗"; color: var(--bad); }
li.status.warn { background: #fff4e0; } li.status.warn::before { content: "!"; color: var(--warn); }
li.status.none::before { content: "–"; color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { min-width: 120px; padding: 8px 12px; border: 1px solid var(--line); border-left-width: 5px; border-radius: 4px; }
.card .n { display: block; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .l { color: var(--muted); font-size: 12px; }
.c-identical { border-left-color: var(--identical); } .c-changed { border-left-color: var(--changed); }
.c-onlyBackup { border-left-color: var(--onlyBackup); } .c-onlyInterim { border-left-color: var(--onlyInterim); }
.c-collision { border-left-color: var(--collision); } .a-unresolved { border-left-color: var(--bad); }
rect.c-identical, .swatch.c-identical { fill: var(--identical); background: var(--identical); }
rect.c-changed, .swatch.c-changed { fill: var(--changed); background: var(--changed); }
rect.c-onlyBackup, .swatch.c-onlyBackup { fill: var(--onlyBackup); background: var(--onlyBackup); }
rect.c-onlyInterim, .swatch.c-onlyInterim { fill: var(--onlyInterim); background: var(--onlyInterim); }
rect.c-collision, .swatch.c-collision { fill: var(--collision); background: var(--collision); }
rect.bar { fill: #7a8aa0; } rect.rehearsal { fill: #5b7fb8; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart text { font: 12px system-ui, sans-serif; fill: var(--fg); }
svg.chart text.num { font-variant-numeric: tabular-nums; fill: var(--muted); }
figure { margin: 10px 0; } figcaption { font-size: 12px; color: var(--muted); }
.key { margin-right: 12px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; font-size: 12.5px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #b0b6bf; }
td.drift { max-width: 260px; font-size: 12.5px; }
.ok { color: var(--ok); } .bad { color: var(--bad); }
tr.badrow { background: #fdecec; }
td.diff, th.diff, code.diff { background: #fff1c2; font-weight: 600; }
td.null { color: var(--muted); font-style: italic; }
table.rows td { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: nowrap; }
table.rows th[scope="rowgroup"] { min-width: 220px; max-width: 340px; }
.sample { margin: 6px 0 14px; }
table.rows tr.first > * { border-top: 2px solid #c5cbd3; }
table.rows th .rule { display: inline-block; margin-top: 2px; font-weight: normal; }
.rule { font: 12px ui-monospace, monospace; background: var(--soft); border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; }
.policy { font-weight: normal; font-size: 12px; color: var(--muted); max-width: 280px; }
.op { font: 12px ui-monospace, monospace; padding: 0 4px; border-radius: 3px; }
.op-insert { background: #e6f4e3; } .op-update { background: #fdf1dc; } .op-delete { background: #fde3e3; }
.op-unresolved { background: var(--bad); color: #fff; }
footer { margin-top: 30px; padding-bottom: 30px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); }
@media print { .scroll { overflow: visible; } }
`;
