// Every action of the app, in one list: the command palette shows them all, the keyboard
// reaches them through their shortcuts, and the shortcut sheet is generated from it.
import type { AppState } from "./app.svelte";

export type Command = {
  id: string;
  title: string;
  group: "Navigate" | "Conversation" | "Compose" | "Status" | "Outbox" | "Account";
  /** As `keys.ts` writes them; the first is shown. */
  shortcuts?: string[];
  /** Whether it makes sense now (hidden from the palette, ignored by the keyboard otherwise). */
  when?: () => boolean;
  run: () => unknown;
};

export function commands(app: AppState): Command[] {
  const contact = () => app.conversation.details?.contact ?? null;
  const inInbox = () => app.route === "inbox";
  const hasContact = () => inInbox() && contact() !== null;
  const goInbox = () => {
    app.route = "inbox";
    app.overlay = null;
  };
  const view = (v: "all" | "mine" | "unassigned") => () => {
    goInbox();
    void app.inbox.setView(v);
  };
  const write = (what: string, run: () => Promise<unknown>) => () => void app.act(what, run);

  return [
    { id: "palette", title: "Command palette", group: "Navigate", shortcuts: ["mod+k"], run: () => (app.overlay = "palette") },
    { id: "shortcuts", title: "Keyboard shortcuts", group: "Navigate", shortcuts: ["?"], run: () => (app.overlay = "shortcuts") },
    { id: "go-inbox", title: "Go to inbox", group: "Navigate", shortcuts: ["mod+1"], run: goInbox },
    { id: "go-dashboard", title: "Go to dashboard", group: "Navigate", shortcuts: ["mod+2"], run: () => ((app.route = "dashboard"), (app.overlay = null)) },
    { id: "go-settings", title: "Go to settings", group: "Navigate", shortcuts: ["mod+3"], when: () => app.may.administer, run: () => ((app.route = "settings"), (app.overlay = null)) },
    { id: "view-all", title: "Show all contacts", group: "Navigate", shortcuts: ["1"], run: view("all") },
    { id: "view-mine", title: "Show my contacts", group: "Navigate", shortcuts: ["2"], run: view("mine") },
    { id: "view-unassigned", title: "Show unassigned contacts", group: "Navigate", shortcuts: ["3"], run: view("unassigned") },
    {
      id: "toggle-closed",
      title: "Switch between open and closed",
      group: "Navigate",
      shortcuts: ["4"],
      run: () => {
        goInbox();
        void app.inbox.setStatus(app.inbox.status === "open" ? "closed" : "open");
      },
    },
    { id: "next", title: "Next conversation", group: "Navigate", shortcuts: ["j", "alt+arrowdown"], when: inInbox, run: () => app.step(1) },
    { id: "previous", title: "Previous conversation", group: "Navigate", shortcuts: ["k", "alt+arrowup"], when: inInbox, run: () => app.step(-1) },
    {
      id: "search-contacts",
      title: "Find a contact",
      group: "Navigate",
      shortcuts: ["/"],
      run: () => {
        goInbox();
        queueMicrotask(() => document.querySelector<HTMLInputElement>('[data-testid="contact-search"]')?.focus());
      },
    },
    { id: "search-messages", title: "Search messages", group: "Navigate", shortcuts: ["mod+shift+f"], run: () => (app.overlay = "search") },
    { id: "details", title: "Show or hide contact details", group: "Navigate", shortcuts: ["i"], when: hasContact, run: () => (app.drawerOpen = !app.drawerOpen) },

    { id: "reply", title: "Reply", group: "Compose", shortcuts: ["r"], when: hasContact, run: () => ((app.composerMode = "reply"), app.composerFocus++) },
    { id: "comment", title: "Write an internal comment", group: "Compose", shortcuts: ["n"], when: hasContact, run: () => ((app.composerMode = "comment"), app.composerFocus++) },
    { id: "snippet", title: "Insert a snippet", group: "Compose", shortcuts: ["mod+shift+s"], when: hasContact, run: () => (app.composerPicker = { which: "snippets", n: Date.now() }) },
    { id: "emoji", title: "Insert an emoji", group: "Compose", shortcuts: ["mod+shift+e"], when: hasContact, run: () => (app.composerPicker = { which: "emoji", n: Date.now() }) },
    { id: "attach", title: "Attach a file", group: "Compose", shortcuts: ["mod+shift+u"], when: hasContact, run: () => (app.composerPicker = { which: "attach", n: Date.now() }) },
    { id: "record", title: "Record a voice note", group: "Compose", shortcuts: ["mod+shift+v"], when: hasContact, run: () => (app.composerPicker = { which: "record", n: Date.now() }) },

    {
      id: "assign-me",
      title: "Assign to me",
      group: "Conversation",
      shortcuts: ["a"],
      when: () => hasContact() && contact()?.assignee_id !== app.me.id,
      run: () => {
        const c = contact();
        if (c) write("Could not assign", () => app.backend.assign(c.id, app.me.id))();
      },
    },
    { id: "assign", title: "Assign to…", group: "Conversation", shortcuts: ["shift+a"], when: hasContact, run: () => (app.assignMenuOpen = true) },
    {
      id: "unassign",
      title: "Unassign",
      group: "Conversation",
      when: () => hasContact() && contact()?.assignee_id !== null,
      run: () => {
        const c = contact();
        if (c) write("Could not unassign", () => app.backend.assign(c.id, null))();
      },
    },
    {
      id: "open",
      title: "Open a conversation",
      group: "Conversation",
      shortcuts: ["o"],
      when: () => hasContact() && contact()?.open_conversation_id === null,
      run: () => {
        const c = contact();
        if (c) write("Could not open the conversation", () => app.backend.openConversation(c.id))();
      },
    },
    {
      id: "close",
      title: "Close the conversation",
      group: "Conversation",
      shortcuts: ["e"],
      when: () => hasContact() && contact()?.open_conversation_id !== null,
      run: () => app.requestClose(),
    },
    { id: "merge", title: "Merge with another contact…", group: "Conversation", when: () => hasContact() && app.may.merge_contacts, run: () => (app.dialog = "merge") },

    { id: "status-online", title: "Set my status to online", group: "Status", when: () => app.me.status !== "online", run: write("Could not change your status", () => app.backend.setStatus("online")) },
    { id: "status-busy", title: "Set my status to busy", group: "Status", when: () => app.me.status !== "busy", run: write("Could not change your status", () => app.backend.setStatus("busy")) },

    { id: "outbox", title: "Show the outbox", group: "Outbox", shortcuts: ["mod+shift+o"], run: () => (app.overlay = "outbox") },
    { id: "flush", title: "Send waiting messages now", group: "Outbox", when: () => app.outboxCount > 0, run: write("Could not send", () => app.backend.flushOutbox()) },

    { id: "sign-out", title: "Sign out", group: "Account", run: () => app.signOut() },
  ];
}
