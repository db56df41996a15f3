//! The banner across the top of the content while the engine does not answer: since when the
//! data on screen is from, that ScimLab keeps retrying on its own, and a button to retry now.
//! Nothing while the engine answers.

import { timeOfDay } from "../format";
import { useEngine } from "../state/engine";

export function EngineBanner() {
  const { down, lostAt, retry } = useEngine();
  if (!down || lostAt === null) return null;
  return (
    <div className="engine-banner" role="alert" data-testid="engine-banner">
      <span className="engine-banner-icon" aria-hidden="true">
        !
      </span>
      <span className="grow">
        <b>The ScimLab engine is not answering</b> — the data below is from {timeOfDay(lostAt)} and may be stale; retrying…
      </span>
      <button className="small" onClick={retry}>
        Retry now
      </button>
    </div>
  );
}
