// In-page measurements shared by the Traffic benchmarks (chromium and the desktop window).
// Each function runs inside the page (passed to page.evaluate / browser.execute), so it must
// not close over anything from this module.

/** Scroll `.tx-scroll` to its end; answer how many exchanges the table holds. */
export function scrollToEnd() {
  const s = document.querySelector(".tx-scroll");
  s.scrollTop = s.scrollHeight;
  return Number(document.querySelector('[role="grid"]').getAttribute("aria-rowcount")) - 1;
}

/** Scroll the Users list to its end (which loads its next page); answer the rows it holds
 *  (loaded, not rendered: the list is virtualised, its table's aria-rowcount counts them). */
export function scrollUsersToEnd() {
  const s = document.querySelector(".users-table-wrap");
  s.scrollTop = s.scrollHeight;
  return Number(document.querySelector(".users-table").getAttribute("aria-rowcount")) - 1;
}

/** Scroll from the top to the end `step` px per frame; frame times, max DOM rows, JS heap.
 *  `step` is a number (Traffic) or `{ step, scroller, row }` for another list (selectors of
 *  its scrolling element and of its rows). */
export async function scrollThrough(arg) {
  const { step, scroller, row } = typeof arg === "number" ? { step: arg } : arg;
  const rowSelector = row ?? '[data-testid="exchange-row"]';
  const s = document.querySelector(scroller ?? ".tx-scroll");
  s.scrollTop = 0;
  const frames = [];
  let domRowsMax = 0;
  await new Promise((resolve) => {
    let last = performance.now();
    const tick = (now) => {
      frames.push(now - last);
      last = now;
      domRowsMax = Math.max(domRowsMax, document.querySelectorAll(rowSelector).length);
      if (s.scrollTop + s.clientHeight >= s.scrollHeight - 1 || frames.length > 4000) return resolve();
      s.scrollTop += step;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const heap = performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null;
  return { frames: frames.slice(1), domRowsMax, heap };
}

/** Start recording frame times (read them with `stopFrames`). */
export function startFrames() {
  document.querySelector(".tx-scroll").scrollTop = 0;
  window.__frames = [];
  window.__stop = false;
  let last = performance.now();
  const tick = (now) => {
    window.__frames.push(now - last);
    last = now;
    if (!window.__stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** Stop recording; the frame times since `startFrames`. */
export function stopFrames() {
  window.__stop = true;
  return window.__frames.slice(1);
}
