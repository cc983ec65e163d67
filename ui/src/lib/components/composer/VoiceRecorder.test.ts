import { screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { BackendError } from "../../backend";
import { openContact, renderApp, seeded } from "../../../test/render-app";

describe("Voice recorder", () => {
  it("records, shows time and level, stops, plays back, deletes and records again, then sends", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("composer-record"));
    await waitFor(() => expect(backend.callsOf("startRecording")).toEqual([[null]]));
    backend.emit({ type: "recording_level", level: 0.5, elapsed_ms: 2100 });
    await waitFor(() => expect(screen.getByTestId("recorder-timer")).toHaveTextContent("0:02"));

    await user.click(screen.getByTestId("recorder-stop"));
    expect(await screen.findByTestId("recorder-play")).toBeInTheDocument();
    expect(screen.getByTestId("recorder-player").querySelector("audio")?.dataset.src).toBe("memory://draft/d1");

    await user.click(screen.getByTestId("recorder-delete"));
    await waitFor(() => expect(backend.callsOf("startRecording").length).toBe(2));
    expect(backend.callsOf("discardVoiceDraft")).toEqual([["d1"]]);

    await user.click(await screen.findByTestId("recorder-stop"));
    await user.click(await screen.findByTestId("recorder-send"));
    expect(backend.callsOf("sendVoiceDraft")).toEqual([["10", "d1"]]);
    await waitFor(() => expect(screen.getByTestId("composer-input")).toBeInTheDocument());
  });

  it("says why when there is no microphone", async () => {
    const backend = seeded();
    backend.startRecording = () => Promise.reject(new BackendError("failed", "No microphone was found."));
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("composer-record"));
    expect(await screen.findByTestId("recorder-error")).toHaveTextContent("No microphone was found.");
  });

  it("keeps what was recorded when the recording stops by itself, and says why", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("composer-record"));
    await screen.findByTestId("recorder-timer");
    const draft = await backend.stopRecording();
    backend.emit({ type: "recording_stopped", reason: "cap", message: "Voice notes stop at 5:00.", draft });
    expect(await screen.findByTestId("recorder-send")).toBeInTheDocument();
    expect(screen.getByRole("status", { name: "" })).toHaveTextContent("Voice notes stop at 5:00.");
  });

  it("cancels a recording left behind", async () => {
    const backend = seeded();
    const { user } = await renderApp(backend);
    await openContact(user, "10");
    await user.click(screen.getByTestId("composer-record"));
    await screen.findByTestId("recorder-timer");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(backend.callsOf("cancelRecording").length).toBeGreaterThan(0));
    expect(screen.getByTestId("composer-input")).toBeInTheDocument();
  });
});
