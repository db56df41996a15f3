import { describe, expect, it } from "vitest";
import { act, render, screen } from "@testing-library/react";
import { ApiError } from "../platform";
import { ToastProvider, useToast } from "./toasts";

let api: ReturnType<typeof useToast>;
function Grab() {
  api = useToast();
  return null;
}

describe("toasts", () => {
  it("shows the engine's errors but leaves 'cannot reach the engine' to the engine banner", () => {
    render(
      <ToastProvider>
        <Grab />
      </ToastProvider>,
    );
    act(() => api.error(new ApiError("cannot reach the engine", 0)));
    expect(screen.queryByRole("alert")).toBeNull();
    act(() => api.error(new ApiError("invalid retention 0: keep from 1 to 10000000 exchanges", 400)));
    expect(screen.getByRole("alert").textContent).toContain("invalid retention 0");
  });
});
