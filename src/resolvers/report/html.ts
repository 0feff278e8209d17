// The report as one self-contained HTML page: inline CSS, charts as data: images, no script,
// no font or anything else fetched. Every text is escaped, so what a user or a runner wrote
// (a run name, a config string, a finding title) is shown, never interpreted.
//
// A runner's SVG is embedded as <img src="data:image/svg+xml;base64,...">, not as inline
// <svg>: a browser renders an SVG image without running its scripts or event handlers and
// without loading anything it references, so a hostile chart from a `command` runner can do
// nothing, and there is no sanitiser whose gaps would matter. The page's own policy
// (`img-src data:`) forbids any other image too.
import { type Block, type Content, type Inline, inlines, type ReportDocument } from './document.ts';

/** The policy the page states for itself, and that the hub also sends as a header. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function inline(part: Inline): string {
  if (typeof part === 'string') return escapeHtml(part);
  if ('code' in part) return `<code>${escapeHtml(part.code)}</code>`;
  if ('strong' in part) return `<strong>${escapeHtml(part.strong)}</strong>`;
  return `<span class="verdict ${part.verdict}">${escapeHtml(part.text)}</span>`;
}

const content = (value: Content) => inlines(value).map(inline).join('');

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${content(b.content)}</p>`;
    case 'subheading':
      return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'facts':
      return `<table class="facts"><tbody>${b.rows
        .map(
          ([label, value]) =>
            `<tr><th scope="row">${escapeHtml(label)}</th><td>${content(value)}</td></tr>`,
        )
        .join('')}</tbody></table>`;
    case 'table': {
      const align = (numeric: boolean | undefined) => (numeric ? ' class="number"' : '');
      const head = b.columns
        .map((column) => `<th scope="col"${align(column.numeric)}>${escapeHtml(column.title)}</th>`)
        .join('');
      const rows = b.rows
        .map(
          (row) =>
            `<tr>${row.map((cell, i) => `<td${align(b.columns[i]?.numeric)}>${content(cell)}</td>`).join('')}</tr>`,
        )
        .join('\n');
      return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
    }
    case 'list':
      return `<ul>${b.items.map((item) => `<li>${content(item)}</li>`).join('')}</ul>`;
    case 'code':
      return `<pre><code>${escapeHtml(b.text)}</code></pre>`;
    case 'figure': {
      const source = `artifact ${b.artifact.name}, ${b.artifact.digest}`;
      const image = b.svg
        ? `<img alt="${escapeHtml(b.caption)}" src="data:image/svg+xml;base64,${b.svg.toString('base64')}">`
        : `<p class="note">Too large to embed; open the artifact (id <code>${escapeHtml(b.artifact.id)}</code>).</p>`;
      return `<figure>${image}<figcaption>${escapeHtml(b.caption)} <span class="note">(${escapeHtml(source)})</span></figcaption></figure>`;
    }
  }
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1b1f24; margin: 2rem auto; max-width: 70rem; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
p.generated, .note { color: #57606a; }
nav ol { columns: 3; margin: .5rem 0 1rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
table.facts th { background: #f6f8fa; white-space: nowrap; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
code { overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .75rem; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.verdict { font-weight: 700; padding: 0 .35rem; border-radius: 3px; white-space: nowrap; }
.verdict.pass { background: #dafbe1; color: #116329; }
.verdict.fail { background: #ffebe9; color: #a40e26; }
.verdict.open { background: #fff8c5; color: #7d4e00; }
figure { margin: .75rem 0 1.25rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
figcaption { font-size: 13px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  h2 { break-after: avoid; }
  tr, figure { break-inside: avoid; }
}
`;

export function renderHtml(document: ReportDocument): string {
  const title = escapeHtml(document.title);
  const contents = document.sections
    .map(
      (section) => `<li><a href="#${escapeHtml(section.id)}">${escapeHtml(section.title)}</a></li>`,
    )
    .join('');
  const sections = document.sections
    .map(
      (section) =>
        `<section id="${escapeHtml(section.id)}">\n<h2>${escapeHtml(section.title)}</h2>\n${section.blocks.map(block).join('\n')}\n</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${title}</h1>
<p class="generated">Generated by evalhub at ${escapeHtml(document.generatedAt.toISOString())}</p>
<nav aria-label="Contents"><ol>${contents}</ol></nav></header>
<main>
${sections}
</main>
</body>
</html>
`;
}
