// A contact's timeline as the screen lays it out: day labels, messages, comments, quiet
// activity lines, a closing-note card where a conversation closed, and a divider after it.
import type { Comment } from "../../bindings/Comment";
import type { Message } from "../../bindings/Message";
import type { Pending } from "../../bindings/Pending";
import type { TimelineEntry } from "../../bindings/TimelineEntry";
import { dayLabel, sameDay } from "../../format/time";
import { commentKey, messageKey } from "../../state/entry-keys";

export type TimelineItem =
  | { kind: "day"; key: string; label: string }
  | { kind: "message"; key: string; message: Message; pending: Pending | null }
  | { kind: "comment"; key: string; comment: Comment; pending: Pending | null }
  | { kind: "activity"; key: string; message: Message }
  | { kind: "closed"; key: string; message: Message }
  | { kind: "divider"; key: string };

function at(e: TimelineEntry): string {
  return e.kind === "message" ? e.message.created_at : e.comment.created_at;
}

export function layout(entries: TimelineEntry[], now: Date = new Date()): TimelineItem[] {
  const items: TimelineItem[] = [];
  let previous: string | null = null;
  for (const e of entries) {
    const ts = at(e);
    if (previous === null || !sameDay(previous, ts)) {
      items.push({ kind: "day", key: `day:${ts}:${items.length}`, label: dayLabel(ts, now) });
    }
    previous = ts;
    if (e.kind === "comment") {
      items.push({ kind: "comment", key: commentKey(e.comment.id), comment: e.comment, pending: e.pending });
      continue;
    }
    const m = e.message;
    if (m.direction !== "activity") {
      items.push({ kind: "message", key: messageKey(m.id), message: m, pending: e.pending });
    } else if (m.activity?.kind === "conversation_closed") {
      items.push({ kind: "closed", key: messageKey(m.id), message: m });
      items.push({ kind: "divider", key: `divider-${m.id}` });
    } else {
      items.push({ kind: "activity", key: messageKey(m.id), message: m });
    }
  }
  // No divider under the last conversation.
  if (items[items.length - 1]?.kind === "divider") items.pop();
  return items;
}
