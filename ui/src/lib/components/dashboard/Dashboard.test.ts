import { screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { ConversationReport } from "../../bindings/ConversationReport";
import { ADA } from "../../../test/fixtures";
import { renderApp, seeded } from "../../../test/render-app";
import { reportQuery } from "./period";

const stats = (median: number | null, count = 3) => ({ count, avg: median, median, p90: median });

function report(opened: number, closed: number, frt: number | null, res: number | null): ConversationReport {
  return {
    from: "2026-11-21",
    to: "2026-11-27",
    opened,
    closed,
    first_response_time_s: stats(frt),
    resolution_time_s: stats(res),
    by_user: [{ user_id: ADA.id, opened, closed, first_response_time_s: stats(frt), resolution_time_s: stats(res) }],
    by_day: [{ day: "2026-11-27", opened, closed, first_response_time_s: stats(frt), resolution_time_s: stats(res) }],
  };
}

describe("Dashboard", () => {
  it("shows my and the team's figures from the server's report", async () => {
    const backend = seeded();
    backend.reportView = { report: report(12, 9, 240, 5400), cached: false };
    const { user } = await renderApp(backend);
    await user.click(screen.getByTestId("nav-dashboard"));
    expect(await screen.findByTestId("metric-first-response-team")).toHaveTextContent("4 min");
    expect(screen.getByTestId("metric-resolution-team")).toHaveTextContent("1 h 30 min");
    expect(screen.getByTestId("metric-closed-team")).toHaveTextContent("9");
    expect(screen.queryByTestId("report-cached")).toBeNull();
    const queries = backend.callsOf("report").map(([q]) => q as string);
    expect(queries.some((q) => q.includes(`user_id=${ADA.id}`))).toBe(true);
    expect(queries.some((q) => !q.includes("user_id"))).toBe(true);

    await user.click(screen.getByTestId("period-30d"));
    await waitFor(() => expect(backend.callsOf("report").length).toBe(4));
  });

  it("says when the figures are the last saved ones, and explains a first offline visit", async () => {
    const backend = seeded();
    backend.reportView = { report: report(1, 1, 60, 60), cached: true };
    const { user } = await renderApp(backend);
    await user.click(screen.getByTestId("nav-dashboard"));
    expect(await screen.findByTestId("report-cached")).toHaveTextContent("last ones saved");

    backend.reportView = null;
    await user.click(screen.getByTestId("period-90d"));
    expect(await screen.findByTestId("report-error")).toHaveTextContent("cannot be reached");
  });

  it("asks the report API for UTC days", () => {
    const now = new Date("2026-11-27T23:30:00Z");
    expect(reportQuery("7d", null, now)).toBe("from=2026-11-21&to=2026-11-27");
    expect(reportQuery("today", "4", now)).toBe("from=2026-11-27&to=2026-11-27&user_id=4");
  });
});
