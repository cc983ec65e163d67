import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { ADA, at, message } from "../../../test/fixtures";
import { entry, openContact, renderApp, seeded } from "../../../test/render-app";
import { keyLabels, matches } from "../../state/keys";
import { snippetParts } from "../../format/text";

describe("Keyboard and command palette", () => {
  it("opens the palette with Ctrl+K and runs an action by name", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("{Control>}k{/Control}");
    const palette = await screen.findByTestId("command-palette");
    expect(palette).toBeInTheDocument();
    await user.keyboard("assign to me");
    const [first] = screen.getAllByTestId("command-item");
    expect(first?.dataset.commandId).toBe("assign-me");
    await user.keyboard("{Enter}");
    expect(backend.callsOf("assign")).toEqual([["10", ADA.id]]);
    expect(screen.queryByTestId("command-palette")).toBeNull();
  });

  it("reaches every action: nothing with a shortcut is missing from the palette", async () => {
    const { user } = await renderApp(seeded());
    await openContact(user, "10");
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("{Control>}k{/Control}");
    const ids = (await screen.findAllByTestId("command-item")).map((e) => e.dataset.commandId);
    for (const id of ["go-dashboard", "view-mine", "next", "reply", "comment", "snippet", "attach", "record", "assign", "close", "status-busy", "outbox", "sign-out"]) {
      expect(ids).toContain(id);
    }
  });

  it("moves through conversations with J and K, and switches views with 1 to 3", async () => {
    const backend = seeded();
    await renderApp(backend);
    await fireEvent.keyDown(window, { key: "j" });
    await waitFor(() => expect(screen.getByTestId("conversation-header").dataset.contactId).toBe("10"));
    await fireEvent.keyDown(window, { key: "j" });
    await waitFor(() => expect(screen.getByTestId("conversation-header").dataset.contactId).toBe("11"));
    await fireEvent.keyDown(window, { key: "k" });
    await waitFor(() => expect(screen.getByTestId("conversation-header").dataset.contactId).toBe("10"));
    await fireEvent.keyDown(window, { key: "2" });
    await waitFor(() => expect(screen.getByTestId("view-mine")).toHaveAttribute("aria-current", "true"));
  });

  it("does not take single-key shortcuts while typing", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.type(screen.getByTestId("composer-input"), "a j ?");
    expect(backend.callsOf("assign")).toEqual([]);
    expect(screen.queryByTestId("shortcut-sheet")).toBeNull();
    expect(screen.getByTestId("conversation-header").dataset.contactId).toBe("10");
  });

  it("lists the shortcuts on ?", async () => {
    await renderApp(seeded());
    await fireEvent.keyDown(window, { key: "?" });
    const sheet = await screen.findByTestId("shortcut-sheet");
    expect(sheet).toHaveTextContent("Assign to me");
    expect(sheet).toHaveTextContent("Command palette");
  });

  it("searches messages offline and jumps to the hit", async () => {
    const backend = seeded();
    backend.timelines.set("11", [entry(message("11", "The parcel tracking number is 42", { id: "m-track", created_at: at(5) }))]);
    const { user } = await renderApp(backend);
    await fireEvent.keyDown(window, { key: "f", ctrlKey: true, shiftKey: true });
    await user.type(await screen.findByTestId("search-input"), "tracking");
    const results = await screen.findByTestId("search-results");
    const [hit] = await screen.findAllByTestId("search-hit");
    expect(results).toContainElement(hit as HTMLElement);
    expect(hit?.querySelector("mark")).toHaveTextContent("tracking");
    await user.click(hit as HTMLElement);
    await waitFor(() => expect(screen.getByTestId("conversation-header").dataset.contactId).toBe("11"));
    const target = (await screen.findAllByTestId("message")).find((m) => m.dataset.messageId === "m-track");
    expect(target?.querySelector(".bubble")).toHaveClass("highlighted");
  });

  it("leaves search for the whole list, and lets go of the hit when a new message comes", async () => {
    const backend = seeded();
    backend.timelines.set("11", [entry(message("11", "The parcel tracking number is 42", { id: "m-track", created_at: at(5) }))]);
    const { user } = await renderApp(backend);
    await user.type(screen.getByTestId("contact-search"), "parcel");
    expect(await screen.findByText("No contacts match “parcel”.")).toBeInTheDocument();
    await user.click(screen.getByText(/Search messages for “parcel”/));
    await user.click((await screen.findAllByTestId("search-hit"))[0] as HTMLElement);
    await waitFor(() => expect(screen.getByTestId("conversation-header").dataset.contactId).toBe("11"));
    // The list is whole again beside the conversation, its box empty.
    await waitFor(() => expect(screen.getAllByTestId("contact-item")).toHaveLength(2));
    expect(screen.getByTestId("contact-search")).toHaveValue("");
    const hit = () => screen.getAllByTestId("message").find((m) => m.dataset.messageId === "m-track");
    await waitFor(() => expect(hit()?.querySelector(".bubble")).toHaveClass("highlighted"));
    // A reply arrives: the hit lets go, so the timeline follows the news.
    backend.timelines.set("11", [...(backend.timelines.get("11") ?? []), entry(message("11", "Any news?", { id: "m-new", created_at: at(50) }))]);
    backend.emit({ type: "timeline_changed", contact_id: "11" });
    await waitFor(() => expect(screen.getAllByTestId("message").some((m) => m.dataset.messageId === "m-new")).toBe(true));
    await waitFor(() => expect(hit()?.querySelector(".bubble")).not.toHaveClass("highlighted"));
  });
});

describe("shortcut matching", () => {
  const key = (init: KeyboardEventInit) => new KeyboardEvent("keydown", init);
  it("matches mod, shift, alt and symbols", () => {
    expect(matches(key({ key: "k", ctrlKey: true }), "mod+k")).toBe(true);
    expect(matches(key({ key: "k" }), "mod+k")).toBe(false);
    expect(matches(key({ key: "F", ctrlKey: true, shiftKey: true }), "mod+shift+f")).toBe(true);
    expect(matches(key({ key: "?", shiftKey: true }), "?")).toBe(true);
    expect(matches(key({ key: "A", shiftKey: true }), "a")).toBe(false);
    expect(matches(key({ key: "A", shiftKey: true }), "shift+a")).toBe(true);
    expect(matches(key({ key: "ArrowDown", altKey: true }), "alt+arrowdown")).toBe(true);
    expect(keyLabels("mod+shift+f")).toEqual(["Ctrl", "Shift", "F"]);
  });

  it("renders search snippets as text, never HTML", () => {
    expect(snippetParts("a &lt;b&gt; <mark>x</mark> &amp; y")).toEqual([
      { text: "a <b> ", match: false },
      { text: "x", match: true },
      { text: " & y", match: false },
    ]);
  });
});
