import type { SearchHit } from "../../bindings/SearchHit";
import type { AppState } from "../../state/app.svelte";

/** Shows the contact of a search hit and, for a message or comment, scrolls to it. */
export async function openHit(app: AppState, hit: SearchHit): Promise<void> {
  app.route = "inbox";
  app.overlay = null;
  if (app.conversation.contactId !== hit.contact_id) await app.select(hit.contact_id);
  app.highlight = hit.kind === "contact" ? null : hit.ref_id;
}
