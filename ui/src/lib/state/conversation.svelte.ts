// The contact on screen: its timeline (newest page first, older pages on demand, from the
// cache and then the server) and its details for the drawer.
import type { Backend } from "../backend";
import type { ContactDetails } from "../bindings/ContactDetails";
import type { ContactId } from "../bindings/ContactId";
import type { TimelineEntry } from "../bindings/TimelineEntry";
import { entryId } from "./entry-keys";

export const PAGE = 50;
/** A refresh re-reads at most this many entries (what an agent scrolled back through). */
const MAX_RELOAD = 1000;



export class ConversationState {
  contactId = $state<ContactId | null>(null);
  entries = $state.raw<TimelineEntry[]>([]);
  details = $state.raw<ContactDetails | null>(null);
  olderCursor = $state<string | null>(null);
  historyComplete = $state(false);
  loadingOlder = $state(false);
  /** Why older history could not be fetched (offline), shown at the top of the timeline. */
  olderError = $state<string | null>(null);
  private generation = 0;

  constructor(private backend: Backend) {}

  /** Shows a contact: paints from the cache at once, then makes sure history is fetched. */
  async open(contactId: ContactId | null): Promise<void> {
    const generation = ++this.generation;
    this.contactId = contactId;
    this.entries = [];
    this.details = null;
    this.olderCursor = null;
    this.historyComplete = false;
    this.olderError = null;
    void this.backend.focus(contactId).catch(() => undefined);
    if (contactId === null) return;
    await this.reload(PAGE);
    if (generation !== this.generation) return;
    this.backend
      .ensureHistory(contactId)
      .then(() => (generation === this.generation ? this.reload() : undefined))
      .catch(() => undefined); // offline: the cache is what there is
  }

  /** Reads the newest entries again, as many as are shown now. */
  async reload(limit = Math.min(Math.max(this.entries.length, PAGE), MAX_RELOAD)): Promise<void> {
    const id = this.contactId;
    if (id === null) return;
    const generation = this.generation;
    const [page, details] = await Promise.all([
      this.backend.timeline(id, null, limit),
      this.backend.contactDetails(id),
    ]);
    if (generation !== this.generation || id !== this.contactId) return;
    this.entries = page.entries;
    this.olderCursor = page.older_cursor;
    this.historyComplete = page.history_complete;
    this.details = details;
  }

  async reloadDetails(): Promise<void> {
    const id = this.contactId;
    if (id === null) return;
    const details = await this.backend.contactDetails(id);
    if (id === this.contactId) this.details = details;
  }

  get hasOlder(): boolean {
    return this.olderCursor !== null || !this.historyComplete;
  }

  /** One page further back: from the cache, else fetched from the server into it. */
  async loadOlder(): Promise<boolean> {
    const id = this.contactId;
    if (id === null || this.loadingOlder || !this.hasOlder) return false;
    const generation = this.generation;
    this.loadingOlder = true;
    try {
      if (this.olderCursor === null) {
        const more = await this.backend.loadOlder(id);
        if (generation !== this.generation) return false;
        this.olderError = null;
        if (!more) {
          this.historyComplete = true;
          return false;
        }
        // The fetched page sits just before what is shown.
        const oldest = this.entries[0];
        await this.reload(Math.min(this.entries.length + PAGE, MAX_RELOAD));
        return oldest !== undefined;
      }
      const page = await this.backend.timeline(id, this.olderCursor, PAGE);
      if (generation !== this.generation) return false;
      this.entries = [...page.entries, ...this.entries];
      this.olderCursor = page.older_cursor;
      this.historyComplete = page.history_complete;
      return page.entries.length > 0;
    } catch (e) {
      this.olderError = e instanceof Error ? e.message : String(e);
      return false;
    } finally {
      if (generation === this.generation) this.loadingOlder = false;
    }
  }

  /** Loads older pages until the entry is shown (a search hit), up to a limit. */
  async reveal(entry: string): Promise<boolean> {
    for (let i = 0; i < 40; i++) {
      if (this.entries.some((e) => entryId(e) === entry)) return true;
      if (!(await this.loadOlder())) break;
    }
    return this.entries.some((e) => entryId(e) === entry);
  }
}
