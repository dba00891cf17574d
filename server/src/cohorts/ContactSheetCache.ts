/**
 * Rendered contact sheets, kept until the set of subjects they show changes: drawing one decodes and composes up to
 * 60 previews, which a viewer polling the cohort dialog would otherwise pay on every request. Requests for the same
 * sheet while it renders share that one rendering. At most `maxEntries` sheets are kept (the least recent go).
 */
export class ContactSheetCache {
  private readonly sheets = new Map<string, { version: string; png: Promise<Buffer> }>();

  constructor(private readonly maxEntries = 16) {}

  /** The sheet of `id` at `version` (e.g. a hash of the subjects it shows), rendered by `render` when not cached. */
  get(id: string, version: string, render: () => Promise<Buffer>): Promise<Buffer> {
    const cached = this.sheets.get(id);
    if (cached !== undefined && cached.version === version) {
      this.sheets.delete(id); // most recent last
      this.sheets.set(id, cached);
      return cached.png;
    }
    const png = render();
    this.sheets.delete(id);
    this.sheets.set(id, { version, png });
    png.catch(() => {
      if (this.sheets.get(id)?.png === png) this.sheets.delete(id); // a failed rendering is not kept
    });
    while (this.sheets.size > this.maxEntries) {
      const oldest = this.sheets.keys().next().value;
      if (oldest === undefined) break;
      this.sheets.delete(oldest);
    }
    return png;
  }
}
