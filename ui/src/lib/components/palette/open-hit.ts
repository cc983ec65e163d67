import type { SearchHit } from "../../bindings/SearchHit";
import type { AppState } from "../../state/app.svelte";
import { commentKey, messageKey } from "../../state/entry-keys";

/** Shows the contact of a search hit and, for a message or comment, scrolls to it; the
 * contact list drops its name filter. */
export async function openHit(app: AppState, hit: SearchHit): Promise<void> {
  app.route = "inbox";
  app.overlay = null;
  // Leaving search restores the list beside the opened conversation.
  if (app.inbox.text.trim() !== "") void app.inbox.clearText();
  if (app.conversation.contactId !== hit.contact_id) await app.select(hit.contact_id);
  if (hit.kind === "contact" || hit.ref_id === null) app.highlight = null;
  else app.highlight = hit.kind === "comment" ? commentKey(hit.ref_id) : messageKey(hit.ref_id);
}
