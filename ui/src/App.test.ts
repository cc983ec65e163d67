import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "./App.svelte";
import { MemoryBackend } from "./test/memory-backend";

function backendWithAda(): MemoryBackend {
  const b = new MemoryBackend();
  b.accounts.set("ada@example.com", { password: "ada-password", name: "Ada Agent" });
  b.defaults = { server_url: "http://127.0.0.1:8080", email: "" };
  return b;
}

describe("App", () => {
  it("signs in, shows the user's name, and signs out", async () => {
    const backend = backendWithAda();
    const user = userEvent.setup();
    render(App, { backend });

    const server = await screen.findByTestId("login-server");
    await waitFor(() => expect(server).toHaveValue("http://127.0.0.1:8080"));
    await user.type(screen.getByTestId("login-email"), "ada@example.com");
    await user.type(screen.getByTestId("login-password"), "ada-password");
    await user.click(screen.getByTestId("login-submit"));

    await user.click(await screen.findByTestId("account-menu"));
    expect(await screen.findByTestId("current-user")).toHaveTextContent("Ada Agent");
    await user.click(screen.getByTestId("sign-out"));
    expect(await screen.findByTestId("login-email")).toBeInTheDocument();
    expect(backend.signOuts).toBe(1);
  });

  it("shows the agent's error and clears the password on a refused sign-in", async () => {
    const backend = backendWithAda();
    const user = userEvent.setup();
    render(App, { backend });

    await user.type(await screen.findByTestId("login-email"), "ada@example.com");
    await user.type(screen.getByTestId("login-password"), "wrong");
    await user.keyboard("{Enter}");

    expect(await screen.findByTestId("login-error")).toHaveTextContent("Wrong email or password.");
    expect(screen.getByTestId("login-password")).toHaveValue("");
    expect(screen.queryByTestId("account-menu")).not.toBeInTheDocument();
  });

  it("opens signed in when the agent remembers a session", async () => {
    const backend = backendWithAda();
    backend.session = {
      server_url: "http://127.0.0.1:8080",
      user: { id: "1", name: "Ada Agent", email: "ada@example.com", role: "agent", status: "online", active: true, capabilities: { administer: false, merge_contacts: false, manage_api_tokens: false } },
    };
    const user = userEvent.setup();
    render(App, { backend });
    await user.click(await screen.findByTestId("account-menu"));
    expect(await screen.findByTestId("current-user")).toHaveTextContent("Ada Agent");
    expect(screen.queryByTestId("login-submit")).not.toBeInTheDocument();
  });

  it("says where the session token is kept when there is no keychain", async () => {
    const backend = backendWithAda();
    backend.session = {
      server_url: "http://127.0.0.1:8080",
      user: { id: "1", name: "Ada Agent", email: "ada@example.com", role: "agent", status: "online", active: true, capabilities: { administer: false, merge_contacts: false, manage_api_tokens: false } },
    };
    const user = userEvent.setup();
    const { unmount } = render(App, { backend });
    await user.click(await screen.findByTestId("account-menu"));
    await screen.findByTestId("current-user");
    expect(screen.queryByTestId("token-storage")).not.toBeInTheDocument();
    unmount();

    const message = "No system keychain (Secret Service) is available; the session token is kept in /x/session-token (readable only by you)";
    backend.storage = { kind: "file", path: "/x/session-token", turned_off: false, message };
    render(App, { backend });
    await user.click(await screen.findByTestId("account-menu"));
    expect(await screen.findByTestId("token-storage")).toHaveTextContent(message);
  });
});
