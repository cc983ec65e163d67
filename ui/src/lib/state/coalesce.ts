/**
 * Runs `fn` at most once per `ms`: the first call runs at once, calls during the pause run once
 * after it. Bursts of agent events (a catch-up applies thousands) become a few re-reads.
 */
export function coalesce(fn: () => unknown, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let again = false;
  const fire = () => {
    again = false;
    void fn();
    timer = setTimeout(() => {
      timer = null;
      if (again) fire();
    }, ms);
  };
  return () => {
    if (timer === null) fire();
    else again = true;
  };
}
