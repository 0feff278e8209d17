// The report as a document: sections of blocks that markdown.ts and html.ts render. The
// sections are composed once from the gathered data, so the two formats cannot disagree.
// Every string here is text, whoever supplied it: the renderers escape it, and nothing in
// a document is markup.

/** A piece of text, possibly marked. */
export type Inline =
  | string
  | { code: string }
  | { strong: string }
  /** A verdict a reader scans for: PASS, FAIL... */
  | { verdict: 'pass' | 'fail' | 'open'; text: string };

/** What a paragraph, a list item or a table cell holds. */
export type Content = Inline | readonly Inline[];

export interface Column {
  title: string;
  /** Numbers are right-aligned. */
  numeric?: boolean;
}

export type Block =
  | { kind: 'paragraph'; content: Content }
  | { kind: 'subheading'; text: string }
  /** Labelled values, one per line. */
  | { kind: 'facts'; rows: ReadonlyArray<readonly [string, Content]> }
  | { kind: 'table'; columns: readonly Column[]; rows: ReadonlyArray<readonly Content[]> }
  | { kind: 'list'; items: readonly Content[] }
  | { kind: 'code'; language: string; text: string }
  /**
   * An SVG chart a runner emitted. `svg` is null when it is too large to embed; the figure
   * then names the artifact only.
   */
  | {
      kind: 'figure';
      caption: string;
      svg: Buffer | null;
      artifact: { id: string; name: string; digest: string };
    };

export interface Section {
  /** The anchor of the section, e.g. "verdict". */
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  generatedAt: Date;
  sections: Section[];
}

/** The content as an array of inlines. */
export const inlines = (content: Content): readonly Inline[] =>
  Array.isArray(content) ? content : [content as Inline];
