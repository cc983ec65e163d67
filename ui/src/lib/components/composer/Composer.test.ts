import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { BOB } from "../../../test/fixtures";
import { openContact, renderApp, seeded } from "../../../test/render-app";
import { insertAt, rank, replaceToken, tokenAt } from "./suggestions";

describe("Composer", () => {
  it("sends with Enter, breaks lines with Shift+Enter, and shows the reply pending at once", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    const input = screen.getByTestId("composer-input");
    await user.type(input, "First line{Shift>}{Enter}{/Shift}second line");
    expect(input).toHaveValue("First line\nsecond line");
    await user.keyboard("{Enter}");
    expect(backend.callsOf("sendMessage")).toEqual([["10", "First line\nsecond line", []]]);
    expect(input).toHaveValue("");
    const pending = (await screen.findAllByTestId("message")).find((m) => m.dataset.clientId === "client-1");
    expect(pending?.dataset.delivery).toBe("pending");
  });

  it("fills a snippet typed as /shortcut, with its variables", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    const input = screen.getByTestId("composer-input");
    await user.type(input, "/tha");
    expect(await screen.findByTestId("snippet-suggestions")).toHaveTextContent("/thanks");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(input).toHaveValue("Thanks Maria, Ada here!"));
    expect(backend.callsOf("sendMessage")).toEqual([]);
  });

  it("inserts a snippet from the picker", async () => {
    const { user } = await renderApp(seeded());
    await openContact(user, "10");
    await user.click(screen.getByTestId("composer-snippets"));
    const options = await screen.findAllByTestId("snippet-option");
    await user.click(options.find((o) => o.dataset.shortcut === "hours") as HTMLElement);
    await waitFor(() => expect(screen.getByTestId("composer-input")).toHaveValue("We are open 9 to 5."));
  });

  it("writes internal comments with @mentions", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("composer-mode-comment"));
    const input = screen.getByTestId("comment-input");
    await user.type(input, "Please check @bo");
    expect(await screen.findByTestId("mention-suggestions")).toHaveTextContent("Bob Manager");
    await user.keyboard("{Enter}");
    expect(input).toHaveValue("Please check @Bob Manager ");
    await user.keyboard("{Enter}");
    expect(backend.callsOf("addComment")).toEqual([["10", "Please check @Bob Manager", [BOB.id]]]);
    expect(screen.getByTestId("composer-attach")).toBeDisabled();
  });

  it("attaches files from the picker and sends them with the message", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    const file = new File(["%PDF-1.4 invoice"], "invoice.pdf", { type: "application/pdf" });
    await user.upload(screen.getByTestId("composer-file-input"), file);
    await waitFor(() => expect(screen.getByTestId("composer-attachment").dataset.ready).toBe("true"));
    await user.click(screen.getByTestId("composer-send"));
    expect(backend.callsOf("stageFile")).toEqual([["invoice.pdf", 16]]);
    const [[contactId, text, files]] = backend.callsOf("sendMessage") as [[string, string | null, { name: string }[]]];
    expect([contactId, text, files.map((f) => f.name)]).toEqual(["10", null, ["invoice.pdf"]]);
  });

  it("takes dropped files", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    const file = new File(["png"], "photo.png", { type: "image/png" });
    const composer = screen.getByRole("group", { name: "Write" });
    await fireEvent.drop(composer, { dataTransfer: { files: [file], types: ["Files"] } });
    await waitFor(() => expect(backend.callsOf("stageFile")).toEqual([["photo.png", 3]]));
  });

  it("inserts emoji from the picker at the caret", async () => {
    const { user } = await renderApp(seeded());
    await openContact(user, "10");
    await user.type(screen.getByTestId("composer-input"), "Thanks ");
    await user.click(screen.getByTestId("composer-emoji"));
    await user.type(await screen.findByTestId("emoji-search"), "thumbs up");
    const [first] = await screen.findAllByTestId("emoji-option");
    await user.click(first as HTMLElement);
    // Emojibase writes the emoji presentation selector (U+FE0F) after the base character.
    expect(screen.getByTestId("composer-input")).toHaveValue("Thanks 👍\uFE0F");
  });

  it("keeps a draft per contact", async () => {
    const { user } = await renderApp(seeded());
    await openContact(user, "10");
    await user.type(screen.getByTestId("composer-input"), "half-written");
    await openContact(user, "11");
    expect(screen.getByTestId("composer-input")).toHaveValue("");
    await openContact(user, "10");
    expect(screen.getByTestId("composer-input")).toHaveValue("half-written");
  });
});

describe("composer suggestions", () => {
  it("finds /shortcut and @name tokens only at word starts", () => {
    expect(tokenAt("hi /tha", 7, ["/"])).toEqual({ trigger: "/", query: "tha", start: 3, end: 7 });
    expect(tokenAt("see http://x", 12, ["/"])).toBeNull();
    expect(tokenAt("mail me@example.com", 19, ["@"])).toBeNull();
    expect(tokenAt("ask @Bob Ma", 11, ["/", "@"])).toEqual({ trigger: "@", query: "Bob Ma", start: 4, end: 11 });
    expect(tokenAt("/a b", 4, ["/"])).toBeNull();
    expect(tokenAt("line one\n/x", 11, ["/"])).toMatchObject({ query: "x", start: 9 });
  });

  it("replaces the token and inserts at the caret", () => {
    const t = tokenAt("hi /tha!", 7, ["/"]);
    expect(t).not.toBeNull();
    if (t) expect(replaceToken("hi /tha!", t, "Thanks")).toEqual({ text: "hi Thanks!", caret: 9 });
    expect(insertAt("ab", 1, 1, "X")).toEqual({ text: "aXb", caret: 2 });
  });

  it("ranks prefix matches before substring matches and drops the rest", () => {
    const items = ["refund", "thanks", "hours", "shorthand"];
    expect(rank(items, "h", (s) => [s])).toEqual(["hours", "thanks", "shorthand"]);
    expect(rank(items, "zzz", (s) => [s])).toEqual([]);
  });
});
