// Keys of timeline entries: messages and comments are numbered apart, so the kind leads.
import type { TimelineEntry } from "../bindings/TimelineEntry";

export const messageKey = (id: string) => `m:${id}`;
export const commentKey = (id: string) => `c:${id}`;

export function entryId(e: TimelineEntry): string {
  return e.kind === "message" ? messageKey(e.message.id) : commentKey(e.comment.id);
}
