// Short messages at the bottom of the window: what just failed, or what happened out of sight.
export type Toast = { id: number; text: string; tone: "info" | "error" };

export class Toasts {
  list = $state<Toast[]>([]);
  private next = 1;

  show(text: string, tone: Toast["tone"] = "info", ms = 6000): void {
    const id = this.next++;
    this.list = [...this.list, { id, text, tone }];
    setTimeout(() => this.dismiss(id), ms);
  }

  error(text: string): void {
    this.show(text, "error", 9000);
  }

  dismiss(id: number): void {
    this.list = this.list.filter((t) => t.id !== id);
  }
}
