import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { ADA, BOB, at, comment, message, workspace } from "../../../test/fixtures";
import { entry, openContact, renderApp, seeded } from "../../../test/render-app";
import { layout } from "./timeline-items";

describe("Conversation", () => {
  it("shows the timeline: messages with direction and delivery, activity lines, closing notes, comments", async () => {
    const backend = seeded();
    backend.timelines.set("10", [
      ...(backend.timelines.get("10") ?? []),
      entry(message("10", "On its way!", { id: "m-out", direction: "outgoing", sender: { kind: "user", id: ADA.id }, delivery: "read", created_at: at(2) })),
      {
        kind: "comment",
        comment: comment("10", "Ask @Bob Manager about refunds", ADA, { id: "c-1", mentions: [BOB.id], created_at: at(3) }),
        pending: null,
      },
      entry(
        message("10", "Conversation closed by Ada Agent", {
          id: "a-close",
          direction: "activity",
          sender: { kind: "system" },
          activity: { kind: "conversation_closed", actor: { kind: "user", id: ADA.id }, closing_note: { category: "Resolved", summary: "Refund sent" } },
          created_at: at(4),
        }),
      ),
    ]);
    const { user } = await renderApp(backend);
    await openContact(user, "10");

    const messages = await screen.findAllByTestId("message");
    const out = messages.find((m) => m.dataset.messageId === "m-out");
    expect(out?.dataset.direction).toBe("outgoing");
    expect(out?.dataset.delivery).toBe("read");
    expect(messages.find((m) => m.dataset.messageId === "m-in")?.dataset.direction).toBe("incoming");
    const activities = screen.getAllByTestId("activity");
    expect(activities[0]).toHaveTextContent("Conversation opened by Maria Lopez");
    expect(screen.getByTestId("closing-note")).toHaveTextContent("Resolved");
    expect(screen.getByTestId("closing-note")).toHaveTextContent("Refund sent");
    const c = screen.getByTestId("comment");
    expect(c).toHaveTextContent("Internal comment");
    expect(within(c).getByText("@Bob Manager")).toHaveClass("mention");
  });

  it("shows a comment and a message that share a number (they are numbered apart)", async () => {
    const backend = seeded();
    backend.timelines.set("10", [
      entry(message("10", "message five", { id: "5", created_at: at(1) })),
      { kind: "comment", comment: comment("10", "comment five", ADA, { id: "5", created_at: at(2) }), pending: null },
    ]);
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    expect(await screen.findByText("message five")).toBeInTheDocument();
    expect(screen.getByText("comment five")).toBeInTheDocument();
  });

  it("lays out day labels and a divider after each closed conversation, none after the last", () => {
    const items = layout(
      [
        entry(message("1", "hi", { created_at: "2026-11-20T10:00:00Z" })),
        entry(message("1", "closed", { direction: "activity", activity: { kind: "conversation_closed", actor: { kind: "user" } }, created_at: "2026-11-20T11:00:00Z" })),
        entry(message("1", "again", { created_at: "2026-11-27T09:00:00Z" })),
        entry(message("1", "closed", { direction: "activity", activity: { kind: "conversation_closed", actor: { kind: "user" } }, created_at: "2026-11-27T09:30:00Z" })),
      ],
      new Date("2026-11-27T12:00:00Z"),
    );
    expect(items.map((i) => i.kind)).toEqual(["day", "message", "closed", "divider", "day", "message", "closed"]);
    expect(items[4]).toMatchObject({ kind: "day", label: "Today" });
  });

  it("shows pending messages greyed with a clock and failed ones with the reason, retry (where it may pass) and discard", async () => {
    const backend = seeded();
    backend.timelines.set("10", [
      { kind: "message", message: message("10", "queued", { id: "p1", direction: "outgoing", delivery: "pending", sender: { kind: "user", id: ADA.id } }), pending: { outbox_id: 7, failed: false, error: null, refusal: null } },
      { kind: "message", message: message("10", "refused", { id: "p2", direction: "outgoing", delivery: "pending", sender: { kind: "user", id: ADA.id } }), pending: { outbox_id: 8, failed: true, error: "The contact's channel was removed.", refusal: { code: "rule_refused", status: 422, message: "The contact's channel was removed.", recoverable: true } } },
      { kind: "message", message: message("10", "too big", { id: "p3", direction: "outgoing", delivery: "pending", sender: { kind: "user", id: ADA.id } }), pending: { outbox_id: 9, failed: true, error: "The file is too large.", refusal: { code: "payload_too_large", status: 413, message: "The file is too large.", recoverable: false } } },
    ]);
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    const [queued, refused, final] = await screen.findAllByTestId("message");
    expect(queued?.dataset.delivery).toBe("pending");
    expect(queued).toHaveTextContent("Waiting to send");
    expect(refused?.dataset.delivery).toBe("failed");
    expect(within(refused as HTMLElement).getByTestId("message-error")).toHaveTextContent("The contact's channel was removed.");
    await user.click(within(refused as HTMLElement).getByTestId("message-retry"));
    await user.click(within(refused as HTMLElement).getByTestId("message-discard"));
    expect(backend.callsOf("retryOutboxItem")).toEqual([[8]]);
    expect(backend.callsOf("discardOutboxItem")).toEqual([[8]]);
    // A refusal that can never pass offers only Discard.
    expect(within(final as HTMLElement).queryByTestId("message-retry")).toBeNull();
    expect(within(final as HTMLElement).getByTestId("message-discard")).toBeInTheDocument();
  });

  it("assigns through the dropdown with search, and to me with the A key", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("assignee-select"));
    await user.type(screen.getByTestId("assignee-search"), "bob");
    const options = screen.getAllByTestId("assignee-option");
    expect(options.map((o) => o.dataset.userId)).toEqual([BOB.id]);
    await user.keyboard("{Enter}");
    expect(backend.callsOf("assign")).toEqual([["10", BOB.id]]);
    await waitFor(() => expect(screen.getByTestId("assignee-select").dataset.assigneeId).toBe(BOB.id));

    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("a");
    expect(backend.callsOf("assign")).toEqual([["10", BOB.id], ["10", ADA.id]]);
  });

  it("closes with the closing note the workspace requires", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("conversation-close"));
    const submit = await screen.findByTestId("closing-note-submit");
    await user.click(submit);
    expect(await screen.findByTestId("closing-note-error")).toHaveTextContent("needs a category");
    expect(backend.callsOf("closeConversation")).toEqual([]);

    await user.selectOptions(screen.getByTestId("closing-note-category"), "Resolved");
    expect(screen.getByText("The question was answered.")).toBeInTheDocument();
    await user.type(screen.getByTestId("closing-note-summary"), "Refund issued");
    await user.click(submit);
    expect(backend.callsOf("closeConversation")).toEqual([["10", "conv-10", "Resolved", "Refund issued"]]);
    await waitFor(() => expect(screen.getByTestId("conversation-open")).toBeInTheDocument());
  });

  it("shows an assignment and a close on their way beside the server's state", async () => {
    const backend = seeded();
    backend.pendingChanges.set("10", { assignee: { user_id: BOB.id }, open: false });
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    const select = screen.getByTestId("assignee-select");
    expect(select.dataset.assigneeId).toBe("");
    expect(select.dataset.pendingAssigneeId).toBe(BOB.id);
    expect(select).toHaveTextContent(BOB.name);
    expect(within(select).getByTestId("assignee-pending")).toBeInTheDocument();
    expect(screen.getByTestId("conversation-pending")).toHaveTextContent("Closing…");
    expect(screen.queryByTestId("conversation-close")).toBeNull();
    const row = screen.getAllByTestId("contact-item").find((r) => r.dataset.contactId === "10") as HTMLElement;
    expect(row.querySelector(".assignee")).toHaveAttribute("data-pending", "true");
    // The server's answer replaces them.
    backend.pendingChanges.delete("10");
    backend.contacts = backend.contacts.map((c) => (c.id === "10" ? { ...c, assignee_id: BOB.id, open_conversation_id: null } : c));
    backend.emit({ type: "contacts_changed", ids: ["10"] });
    await waitFor(() => expect(screen.getByTestId("assignee-select").dataset.assigneeId).toBe(BOB.id));
    expect(screen.queryByTestId("assignee-pending")).toBeNull();
    expect(await screen.findByTestId("conversation-open")).toBeInTheDocument();
  });

  it("asks for what the server says closing requires", async () => {
    const backend = seeded();
    if (backend.workspaceData) {
      backend.workspaceData.settings.closing_note_mode = "category_and_summary_required";
      backend.workspaceData.settings.closing_note = { asked: true, category_required: true, summary_required: true };
    }
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("conversation-close"));
    await user.selectOptions(await screen.findByTestId("closing-note-category"), "Resolved");
    await user.click(screen.getByTestId("closing-note-submit"));
    expect(await screen.findByTestId("closing-note-error")).toHaveTextContent("a summary");
    expect(backend.callsOf("closeConversation")).toEqual([]);
  });

  it("closes at once when the workspace has closing notes turned off, and reopens", async () => {
    const backend = seeded();
    if (backend.workspaceData) {
      backend.workspaceData.settings.closing_note_mode = "disabled";
      backend.workspaceData.settings.closing_note = { asked: false, category_required: false, summary_required: false };
    }
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("conversation-close"));
    expect(screen.queryByTestId("closing-note-submit")).toBeNull();
    expect(backend.callsOf("closeConversation")).toEqual([["10", "conv-10", null, null]]);
    await user.click(await screen.findByTestId("conversation-open"));
    expect(backend.callsOf("openConversation")).toEqual([["10"]]);
  });

  it("shows the contact's details and conversation history in the drawer", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    // A 1024-pixel window starts with the drawer closed; I opens it.
    expect(screen.queryByTestId("contact-details")).toBeNull();
    await fireEvent.keyDown(window, { key: "i" });
    const details = await screen.findByTestId("contact-details");
    expect(details).toHaveTextContent("maria@example.com");
    expect(details).toHaveTextContent("vip");
    expect(within(details).getAllByTestId("conversation-history-item")[0]).toHaveTextContent("Opened by the contact");
    await fireEvent.keyDown(window, { key: "i" });
    await waitFor(() => expect(screen.queryByTestId("contact-details")).toBeNull());
  });

  it("shows what the channel tells of the contact: language, country, time zone and picture", async () => {
    const backend = seeded();
    const maria = backend.contacts[0]!;
    maria.profile = { language: "es-MX", country_code: "MX", timezone: "America/Mexico_City", avatar_file_id: "f-pic" };
    maria.custom_fields = { legacy_id: "A-17", plan: "Gold" };
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    const header = screen.getByTestId("conversation-header");
    expect(within(header).getByTestId("avatar-picture")).toHaveAttribute("src", "memory://file/f-pic");
    await fireEvent.keyDown(window, { key: "i" });
    const details = await screen.findByTestId("contact-details");
    expect(within(details).getByTestId("contact-language")).toHaveTextContent("es-MX");
    expect(within(details).getByTestId("contact-country")).toHaveTextContent("MX");
    expect(within(details).getByTestId("contact-timezone")).toHaveTextContent(/America\/Mexico_City · \d\d:\d\d/);
    // Custom fields by the workspace's names; one not known here yet by its slug.
    const custom = within(details).getAllByTestId("contact-custom-field");
    expect(custom.map((c) => c.previousElementSibling?.textContent?.trim())).toEqual(["Plan", "legacy_id"]);
    expect(custom.map((c) => c.textContent?.trim())).toEqual(["Gold", "A-17"]);
    // A picture that cannot be loaded leaves the initials.
    await fireEvent.error(within(header).getByTestId("avatar-picture"));
    expect(within(header).queryByTestId("avatar-picture")).toBeNull();
    expect(header).toHaveTextContent("ML");
  });

  it("marks messages sent from the provider's app and by the API, at the sender's time", async () => {
    const backend = seeded();
    backend.timelines.set("10", [
      ...(backend.timelines.get("10") ?? []),
      entry(message("10", "Sí, la tenemos", { id: "m-echo", direction: "outgoing", delivery: "sent", sender: { kind: "channel", id: "ch-wa", name: "Shop WhatsApp" }, created_at: at(5), sent_at: at(2) })),
      entry(message("10", "Order #12 shipped", { id: "m-api", direction: "outgoing", delivery: "sent", sender: { kind: "api", id: "1", name: "Shopify" }, created_at: at(6) })),
    ]);
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    const messages = await screen.findAllByTestId("message");
    const echo = messages.find((m) => m.dataset.messageId === "m-echo")!;
    expect(echo).toHaveTextContent("Sent from Shop WhatsApp");
    const time = within(echo).getByTestId("message-time");
    expect(time).toHaveAttribute("datetime", at(2));
    expect(time.getAttribute("title")).toMatch(/^Sent .* · received /);
    expect(messages.find((m) => m.dataset.messageId === "m-api")).toHaveTextContent("Shopify (API)");
  });

  it("lets owners and managers merge another contact into this one", async () => {
    const backend = seeded();
    backend.workspaceData = workspace(BOB);
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await fireEvent.keyDown(window, { key: "i" });
    await user.click(await screen.findByTestId("contact-merge"));
    await user.type(screen.getByTestId("merge-search"), "sam");
    const [option] = await screen.findAllByTestId("merge-option");
    expect(option?.dataset.contactId).toBe("11");
    await user.click(option as HTMLElement);
    await user.click(screen.getByTestId("merge-submit"));
    expect(backend.callsOf("mergeContacts")).toEqual([["10", "11"]]);
    await waitFor(() => expect(screen.queryByTestId("merge-dialog")).toBeNull());
  });

  it("does not offer merging to agents", async () => {
    const { user } = await renderApp(seeded());
    await openContact(user, "10");
    await fireEvent.keyDown(window, { key: "i" });
    await screen.findByTestId("contact-details");
    expect(screen.queryByTestId("contact-merge")).toBeNull();
  });
});
