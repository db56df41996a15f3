//! Captured bodies are untrusted: they render as coloured text, never as HTML.
import { render } from "@testing-library/react";
import { Json, tryParse } from "./Json";

test("json is pretty-printed with coloured keys, strings, numbers and booleans", () => {
  const { container } = render(<Json text='{"userName":"a@b.c","active":false,"n":3,"x":null,"l":[1]}' />);
  expect(container.querySelector(".j-key")?.textContent).toBe('"userName"');
  expect(container.querySelector(".j-str")?.textContent).toBe('"a@b.c"');
  expect(container.querySelector(".j-bool")?.textContent).toBe("false");
  expect(container.querySelector(".j-num")?.textContent).toBe("3");
  expect(container.textContent).toContain('"l": [\n    1\n  ]');
});

test("markup in a body stays text, and non-json is shown as it came", () => {
  const { container } = render(<Json text={'{"displayName":"<img src=x onerror=alert(1)>"}'} />);
  expect(container.querySelector("img")).toBeNull();
  expect(container.textContent).toContain("<img src=x onerror=alert(1)>");
  const raw = render(<Json text="<b>not json</b>" />);
  expect(raw.container.querySelector("b")).toBeNull();
  expect(raw.container.textContent).toBe("<b>not json</b>");
  expect(tryParse("")).toBeUndefined();
  expect(tryParse("{")).toBeUndefined();
});
