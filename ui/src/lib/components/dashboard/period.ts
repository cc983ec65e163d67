// The periods the dashboard offers, as the report API's UTC days.
export type PeriodId = "today" | "7d" | "30d" | "90d";

export const PERIODS: { id: PeriodId; label: string; days: number }[] = [
  { id: "today", label: "Today", days: 1 },
  { id: "7d", label: "Last 7 days", days: 7 },
  { id: "30d", label: "Last 30 days", days: 30 },
  { id: "90d", label: "Last 90 days", days: 90 },
];

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The query string for a period ending today (UTC), optionally for one user. */
export function reportQuery(period: PeriodId, userId: string | null, now: Date = new Date()): string {
  const days = PERIODS.find((p) => p.id === period)?.days ?? 7;
  const to = utcDay(now);
  const from = utcDay(new Date(now.getTime() - (days - 1) * 86_400_000));
  const params = new URLSearchParams({ from, to });
  if (userId) params.set("user_id", userId);
  return params.toString();
}
