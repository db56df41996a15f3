//! The quirk explanations render their `code` parts as code elements, as text (never HTML).
import { render } from "@testing-library/react";
import { withCode } from "./Detail";

test("backticked parts become code elements and markup stays text", () => {
  const { container } = render(<p>{withCode("`meta` sent by the client <b>x</b> in a `create`")}</p>);
  const codes = [...container.querySelectorAll("code")].map((c) => c.textContent);
  expect(codes).toEqual(["meta", "create"]);
  expect(container.querySelector("b")).toBeNull();
  expect(container.textContent).toBe("meta sent by the client <b>x</b> in a create");
});
