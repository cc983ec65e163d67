// The contact list: which view, filter, sort and text; the counts; and a window of rows read
// from the agent's cache as the list scrolls (10,000 contacts never load at once).
import type { Backend } from "../backend";
import type { ContactId } from "../bindings/ContactId";
import type { ContactView } from "../bindings/ContactView";
import type { InboxCounts } from "../bindings/InboxCounts";
import type { InboxRow } from "../bindings/InboxRow";
import type { InboxSortOrder } from "../bindings/InboxSortOrder";
import type { StatusFilter } from "../bindings/StatusFilter";

/** Rows are read in chunks of this many. */
export const CHUNK = 60;

const NO_COUNTS: InboxCounts = {
  all: 0,
  mine: 0,
  unassigned: 0,
  all_unread: false,
  mine_unread: false,
  unassigned_unread: false,
};

export class InboxState {
  view = $state<ContactView>("all");
  status = $state<StatusFilter>("open");
  sort = $state<InboxSortOrder>("newest");
  text = $state("");
  counts = $state<InboxCounts>({ ...NO_COUNTS });
  total = $state(0);
  /** Loaded rows by position; replaced (not mutated) so the list re-renders. */
  rows = $state.raw<Map<number, InboxRow>>(new Map());
  /** Whether the first window has been read (the list can paint). */
  loaded = $state(false);
  /** Positions the list shows now, kept so a refresh re-reads just those. */
  private visible: [number, number] = [0, CHUNK];
  private generation = 0;
  private pendingChunks = new Set<number>();

  constructor(private backend: Backend) {}

  private query(offset: number, limit: number) {
    const text = this.text.trim();
    return {
      view: this.view,
      status: this.status,
      sort: this.sort,
      text: text === "" ? null : text,
      offset,
      limit,
    };
  }

  /** Reads counts and the visible rows again (after a change or a filter switch). */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    this.pendingChunks.clear();
    const [first, last] = this.visible;
    const start = Math.floor(first / CHUNK) * CHUNK;
    const limit = Math.max(CHUNK, Math.ceil((last + 1 - start) / CHUNK) * CHUNK);
    const [page, counts] = await Promise.all([
      this.backend.inbox(this.query(start, limit)),
      this.backend.inboxCounts(this.status),
    ]);
    if (generation !== this.generation) return;
    const rows = new Map<number, InboxRow>();
    page.rows.forEach((row, i) => rows.set(start + i, row));
    this.rows = rows;
    this.total = page.total;
    this.counts = counts;
    this.loaded = true;
  }

  /** The list scrolled: make sure rows `first..=last` are loaded. */
  async show(first: number, last: number): Promise<void> {
    this.visible = [first, last];
    const generation = this.generation;
    const wanted: number[] = [];
    for (let c = Math.floor(first / CHUNK); c <= Math.floor(last / CHUNK); c++) {
      const at = c * CHUNK;
      if (at >= this.total || this.pendingChunks.has(c)) continue;
      if (!this.rows.has(at) || !this.rows.has(Math.min(at + CHUNK, this.total) - 1)) wanted.push(c);
    }
    await Promise.all(
      wanted.map(async (c) => {
        this.pendingChunks.add(c);
        try {
          const page = await this.backend.inbox(this.query(c * CHUNK, CHUNK));
          if (generation !== this.generation) return;
          const rows = new Map(this.rows);
          page.rows.forEach((row, i) => rows.set(c * CHUNK + i, row));
          this.rows = rows;
          this.total = page.total;
        } finally {
          this.pendingChunks.delete(c);
        }
      }),
    );
  }

  setView(view: ContactView): Promise<void> {
    this.view = view;
    return this.reset();
  }

  setStatus(status: StatusFilter): Promise<void> {
    this.status = status;
    return this.reset();
  }

  setSort(sort: InboxSortOrder): Promise<void> {
    this.sort = sort;
    return this.reset();
  }

  setText(text: string): Promise<void> {
    this.text = text;
    return this.reset();
  }

  /** Counts clearings of the filter from elsewhere (leaving a search), for its input box. */
  textResets = $state(0);

  /** Drops the name filter: the whole view again. */
  clearText(): Promise<void> {
    this.textResets++;
    return this.setText("");
  }

  private reset(): Promise<void> {
    this.visible = [0, CHUNK];
    this.rows = new Map();
    return this.refresh();
  }

  /** The position of a contact among the loaded rows, or -1. */
  indexOf(id: ContactId | null): number {
    if (id === null) return -1;
    for (const [i, row] of this.rows) if (row.contact.id === id) return i;
    return -1;
  }

  /** The contact `step` rows away from `id` (or the first one), loading rows as needed. */
  async neighbour(id: ContactId | null, step: 1 | -1): Promise<ContactId | null> {
    const at = this.indexOf(id);
    const target = at < 0 ? 0 : at + step;
    if (target < 0 || target >= this.total) return null;
    if (!this.rows.has(target)) await this.show(target, target);
    return this.rows.get(target)?.contact.id ?? null;
  }
}
