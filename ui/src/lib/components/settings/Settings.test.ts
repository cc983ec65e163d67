import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { BOB, workspace } from "../../../test/fixtures";
import { renderApp, seeded } from "../../../test/render-app";

describe("Settings", () => {
  it("is there for owners and managers only", async () => {
    await renderApp(seeded());
    expect(screen.queryByTestId("nav-settings")).toBeNull();
  });

  it("changes the closing-note mode, adds a category and a snippet", async () => {
    const backend = seeded();
    backend.workspaceData = workspace(BOB);
    const { user } = await renderApp(backend);
    await user.click(await screen.findByTestId("nav-settings"));
    // Who is signed in, and where, at the top.
    expect(await screen.findByTestId("settings-signed-in")).toHaveTextContent(`Signed in as ${BOB.name}`);
    await user.selectOptions(await screen.findByTestId("settings-closing-note-mode"), "category_and_summary_required");
    expect(backend.callsOf("updateSettings")).toEqual([[{ closing_note_mode: "category_and_summary_required" }]]);

    await user.type(screen.getByTestId("category-name"), "Billing");
    await user.click(screen.getByRole("button", { name: /Add/ }));
    expect(backend.callsOf("createCategory")).toEqual([[{ name: "Billing", description: null }]]);

    await user.click(screen.getByRole("button", { name: /New snippet/ }));
    const form = screen.getByRole("button", { name: "Save snippet" }).closest("form") as HTMLFormElement;
    await user.type(within(form).getByLabelText("Name"), "Bye");
    await user.type(within(form).getByLabelText("Shortcut"), "bye");
    await user.type(within(form).getByLabelText("Text"), "Bye {{{{contact.first_name}}");
    await user.click(within(form).getByRole("button", { name: "Save snippet" }));
    await waitFor(() =>
      expect(backend.callsOf("createSnippet")).toEqual([[{ name: "Bye", shortcut: "bye", text: "Bye {{contact.first_name}}" }]]),
    );
  });
});

describe("API tokens", () => {
  it("creates a token shown once, lists it by name and hint, and revokes it after a confirmation", async () => {
    const backend = seeded();
    backend.workspaceData = workspace(BOB);
    const { user } = await renderApp(backend);
    await user.click(await screen.findByTestId("nav-settings"));
    expect(await screen.findByText("No tokens.")).toBeInTheDocument();

    await user.type(screen.getByTestId("api-token-name"), "n8n order sync");
    await user.click(screen.getByRole("button", { name: /Create token/ }));
    expect(backend.callsOf("createApiToken")).toEqual([["n8n order sync"]]);
    const created = await screen.findByTestId("api-token-created");
    expect(within(created).getByTestId("api-token-secret")).toHaveTextContent("ism_memory0abcd");
    const row = await screen.findByTestId("api-token-row");
    expect(row).toHaveTextContent("n8n order sync");
    expect(row).toHaveTextContent("…abcd");
    expect(row).toHaveTextContent("never used");
    // Dismissed, the token is gone for good; the list never shows it.
    await user.click(within(created).getByRole("button", { name: "Done" }));
    expect(screen.queryByTestId("api-token-secret")).toBeNull();
    expect(screen.queryByText("ism_memory0abcd")).toBeNull();

    await user.click(within(row).getByRole("button", { name: "Revoke n8n order sync" }));
    expect(backend.callsOf("revokeApiToken")).toEqual([]);
    await user.click(screen.getByTestId("api-token-revoke-confirm"));
    expect(backend.callsOf("revokeApiToken")).toEqual([["1"]]);
    expect(await screen.findByText("No tokens.")).toBeInTheDocument();
  });
});

describe("Outbox", () => {
  it("lists what waits, and retries or discards refused items", async () => {
    const backend = seeded();
    backend.outboxEntries = [
      { id: 4, client_id: "c4", kind: "send_message", contact_id: "10", summary: "Reply: hello", failed: false, error: null, refusal: null, attempts: 2, created_at: "2026-11-27T09:00:00Z" },
      { id: 5, client_id: "c5", kind: "assign", contact_id: "10", summary: "Assign to Bob", failed: true, error: "Bob was removed.", refusal: null, attempts: 1, created_at: "2026-11-27T09:01:00Z" },
    ];
    const { user } = await renderApp(backend);
    await waitFor(() => expect(screen.getByTestId("outbox-count")).toHaveTextContent("2 waiting to send"));
    await user.click(screen.getByTestId("outbox-count"));
    const entries = await screen.findAllByTestId("outbox-entry");
    expect(entries[1]).toHaveTextContent("Bob was removed.");
    await user.click(within(entries[1] as HTMLElement).getByRole("button", { name: "Retry" }));
    expect(backend.callsOf("retryOutboxItem")).toEqual([[5]]);
    await user.click(within(entries[0] as HTMLElement).getByRole("button", { name: "Discard" }));
    expect(backend.callsOf("discardOutboxItem")).toEqual([[4]]);
    await waitFor(() => expect(screen.getAllByTestId("outbox-entry")).toHaveLength(1));
  });
});
