import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { ADA, at, contact } from "../../../test/fixtures";
import { renderApp, seeded } from "../../../test/render-app";

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

  it("shows the offline banner with since-when and the outbox count", async () => {
    const backend = seeded();
    await renderApp(backend);
    expect(screen.queryByTestId("offline-banner")).toBeNull();
    backend.emit({
      type: "sync_state",
      state: { status: "offline", since: "2026-11-27T10:42:00.000Z", progress: null, last_error: "connection refused" },
    });
    backend.emit({ type: "outbox_changed", count: 2 });
    const banner = await screen.findByTestId("offline-banner");
    expect(banner).toHaveTextContent(/Offline since/);
    expect(banner).toHaveTextContent("2 items waiting");
    expect(screen.getByTestId("outbox-count")).toHaveTextContent("2 waiting to send");
    backend.emit({ type: "sync_state", state: { status: "online", since: at(0), progress: null, last_error: null } });
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).toBeNull());
  });
});
