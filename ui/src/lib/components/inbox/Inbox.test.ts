import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { ADA, at, contact } from "../../../test/fixtures";
import { openContact, renderApp, seeded } from "../../../test/render-app";

describe("Inbox", () => {
  it("shows the views with counts and a dot where there are new messages", async () => {
    await renderApp(seeded());
    await waitFor(() => expect(screen.getByTestId("view-all-count")).toHaveTextContent("2"));
    expect(screen.getByTestId("view-mine-count")).toHaveTextContent("1");
    expect(screen.getByTestId("view-unassigned-count")).toHaveTextContent("1");
    expect(within(screen.getByTestId("view-unassigned")).getByTitle("New messages")).toBeInTheDocument();
    expect(within(screen.getByTestId("view-mine")).queryByTitle("New messages")).toBeNull();
  });

  it("lists open contacts newest first with unread badges, and switches views and filters", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    const names = () => screen.getAllByTestId("contact-item").map((r) => r.dataset.contactId);
    expect(names()).toEqual(["10", "11"]);
    expect(within(screen.getAllByTestId("contact-item")[0] as HTMLElement).getByTestId("contact-unread")).toHaveTextContent("2");

    await user.click(screen.getByTestId("view-mine"));
    await waitFor(() => expect(names()).toEqual(["11"]));
    await user.click(screen.getByTestId("view-all"));
    await user.selectOptions(screen.getByTestId("status-filter"), "closed");
    await waitFor(() => expect(names()).toEqual(["12"]));
  });

  it("filters by name as you type and offers a message search", async () => {
    const { user } = await renderApp(seeded());
    await user.type(screen.getByTestId("contact-search"), "sam");
    await waitFor(() => expect(screen.getAllByTestId("contact-item")).toHaveLength(1));
    expect(screen.getByText(/Search messages for “sam”/)).toBeInTheDocument();
  });

  it("says what to do next when a view is empty", async () => {
    const backend = seeded();
    backend.contacts = backend.contacts.map((c) => ({ ...c, assignee_id: ADA.id }));
    const { user } = await renderApp(backend);
    await user.click(screen.getByTestId("view-unassigned"));
    expect(await screen.findByText("No unassigned contacts — nice work.")).toBeInTheDocument();
  });

  it("renders only a window of a 10,000-contact list and logs the first paint", async () => {
    const backend = seeded();
    backend.contacts = Array.from({ length: 10_000 }, (_, i) =>
      contact(String(1000 + i), `Contact ${i}`, { last_message_at: at(-i) }),
    );
    await renderApp(backend);
    await waitFor(() => expect(screen.getByTestId("view-all-count")).toHaveTextContent("10000"));
    expect(screen.getAllByTestId("contact-item").length).toBeLessThan(60);
    await waitFor(() => expect(backend.marks).toContain("inbox painted"));
  });

  it("follows the agent: a contacts_changed event re-reads the list and counts", async () => {
    const backend = seeded();
    await renderApp(backend);
    backend.contacts = [...backend.contacts, contact("13", "New Person", { last_message_at: at(60) })];
    backend.emit({ type: "contacts_changed", ids: ["13"] });
    await waitFor(() => expect(screen.getAllByTestId("contact-item")[0]?.dataset.contactId).toBe("13"));
    expect(screen.getByTestId("view-all-count")).toHaveTextContent("3");
  });

  it("shows the offline banner with since-when, the next attempt, a Retry and the outbox count", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    expect(screen.queryByTestId("offline-banner")).toBeNull();
    const offline = { status: "offline", since: "2026-11-27T10:42:00.000Z", progress: null, last_error: "connection refused", skipped_events: 0, retry_at: null } as const;
    backend.sync = offline;
    backend.emit({ type: "sync_state", state: offline });
    backend.emit({ type: "outbox_changed", count: 2 });
    const banner = await screen.findByTestId("offline-banner");
    expect(banner).toHaveTextContent(/offline since/);
    expect(banner).toHaveTextContent("2 items waiting");
    expect(screen.getByTestId("outbox-count")).toHaveTextContent("2 waiting to send");
    // Plain words on the banner, the socket's own in its tooltip.
    expect(banner).not.toHaveTextContent("connection refused");
    expect(banner.title).toContain("connection refused");
    expect(screen.getByTestId("offline-retry-in")).toHaveTextContent("Can't reach the server — retrying…");
    backend.sync = { ...offline, retry_at: new Date(Date.now() + 8_000).toISOString() };
    backend.emit({ type: "sync_state", state: backend.sync });
    await waitFor(() => expect(screen.getByTestId("offline-retry-in")).toHaveTextContent(/retrying in [78] s/));
    await user.click(screen.getByTestId("sync-retry"));
    expect(backend.callsOf("retrySync")).toEqual([[]]);
    backend.sync = { ...offline, status: "online", last_error: null };
    backend.emit({ type: "sync_state", state: backend.sync });
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).toBeNull());
  });

  it("previews a reply waiting in the outbox and sorts its contact by it", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "11");
    await user.type(screen.getByTestId("composer-input"), "On my way{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("contact-item")[0]?.dataset.contactId).toBe("11"));
    const row = screen.getAllByTestId("contact-item")[0] as HTMLElement;
    expect(within(row).getByTestId("contact-pending-preview")).toHaveTextContent("You: On my way");
  });

  it("keeps the conversation and says where the open contact went when it leaves the view", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await user.click(screen.getByTestId("view-unassigned"));
    await openContact(user, "10");
    // A reply assigned Maria to Ada: she leaves Unassigned.
    backend.contacts = backend.contacts.map((c) => (c.id === "10" ? { ...c, assignee_id: ADA.id } : c));
    backend.emit({ type: "contacts_changed", ids: ["10"] });
    expect(await screen.findByText("Maria Lopez is assigned to you now: it shows in Mine.")).toBeInTheDocument();
    expect(screen.getByTestId("conversation-header")).toHaveTextContent("Maria Lopez");
    expect(screen.queryAllByTestId("contact-item").map((r) => r.dataset.contactId)).not.toContain("10");
  });

  it("says when the sync stopped before an update it cannot read, and counts skipped ones", async () => {
    const backend = seeded();
    await renderApp(backend);
    const why = 'Sync stopped: the server sent a "snippet.upserted" event (seq 9) that this version of the app cannot read (bad). Update the app; what came before it is shown.';
    backend.sync = { status: "stopped", since: at(0), progress: null, last_error: why, skipped_events: 2, retry_at: null };
    backend.emit({ type: "sync_state", state: backend.sync });
    const banner = await screen.findByTestId("sync-stopped-banner");
    expect(banner).toHaveTextContent("Updates from the server are paused.");
    expect(screen.queryByTestId("offline-banner")).toBeNull();
    const state = screen.getByTestId("connection-state");
    expect(state).toHaveTextContent("Sync stopped");
    expect(state.dataset.skippedEvents).toBe("2");
    expect(state.title).toContain(why);
    expect(state.title).toContain("2 updates of a kind this version does not know were skipped.");
  });
});
