// An in-memory Backend for component tests: it keeps the contract of the real agent (one
// account, a remembered session) without a window or a server.
import { type Backend, BackendError } from "../lib/backend";
import type { Session } from "../lib/bindings/Session";

export class MemoryBackend implements Backend {
  session: Session | null = null;
  accounts = new Map<string, { password: string; name: string }>();
  defaults = { server_url: "", email: "" };
  signOuts = 0;

  signInDefaults() {
    return Promise.resolve({ ...this.defaults });
  }

  currentSession() {
    return Promise.resolve(this.session);
  }

  signIn(serverUrl: string, email: string, password: string): Promise<Session> {
    const account = this.accounts.get(email);
    if (!account || account.password !== password) {
      return Promise.reject(new BackendError("refused", "Wrong email or password."));
    }
    this.session = {
      server_url: serverUrl,
      user: { id: "1", name: account.name, email, role: "agent", status: "online", active: true },
    };
    return Promise.resolve(this.session);
  }

  signOut() {
    this.session = null;
    this.signOuts += 1;
    return Promise.resolve();
  }
}
