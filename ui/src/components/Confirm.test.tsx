import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { Confirm } from "./Confirm";

function ui(onCancel: () => void, onConfirm = () => {}) {
  return (
    <Confirm title="Reset?" confirmLabel="Delete everything" onConfirm={onConfirm} onCancel={onCancel}>
      <p>gone</p>
    </Confirm>
  );
}

describe("Confirm", () => {
  it("does not steal focus back when the parent re-renders (live data) with a new onCancel", () => {
    const { rerender } = render(ui(() => {}));
    expect(document.activeElement?.textContent).toBe("Cancel");
    screen.getByText("Delete everything").focus();
    rerender(ui(() => {}));
    expect(document.activeElement?.textContent).toBe("Delete everything");
  });

  it("Escape calls the latest onCancel; Tab stays inside; focus returns to the opener", () => {
    const opener = document.createElement("button");
    document.body.appendChild(opener);
    opener.focus();
    const first = vi.fn();
    const latest = vi.fn();
    const { rerender, unmount } = render(ui(first));
    rerender(ui(latest));
    const confirm = screen.getByText("Delete everything");
    confirm.focus();
    fireEvent.keyDown(window, { key: "Tab" });
    expect(document.activeElement?.textContent).toBe("Cancel");
    fireEvent.keyDown(window, { key: "Tab", shiftKey: true });
    expect(document.activeElement?.textContent).toBe("Delete everything");
    fireEvent.keyDown(window, { key: "Escape" });
    expect(latest).toHaveBeenCalledTimes(1);
    expect(first).not.toHaveBeenCalled();
    unmount();
    expect(document.activeElement).toBe(opener);
    opener.remove();
  });
});
