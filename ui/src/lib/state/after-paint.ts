/** Resolves once the webview has painted the current state: the next animation frame, then a
 * task after it (the frame's paint happens between the two). */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
