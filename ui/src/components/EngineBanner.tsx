//! The banner across the top of the content while the engine does not answer: since when the
//! data on screen is from, that ScimLab keeps retrying on its own, and a button to retry now.
//! While the engine answers but its database does not (`/api/health` `degraded`: a PostgreSQL
//! server stopped), a banner that says so and what IdPs get meanwhile. Nothing otherwise.

import { timeOfDay } from "../format";
import { useEngine } from "../state/engine";

export function EngineBanner() {
  const { down, lostAt, database, retry } = useEngine();
  if (!down && database) {
    return (
      <div className="engine-banner" role="alert" data-testid="database-banner">
        <span className="engine-banner-icon" aria-hidden="true">
          !
        </span>
        <span className="grow">
          <b>ScimLab's database is not answering</b> ({database.backend}
          {database.error ? `: ${database.error}` : ""}) — SCIM requests are answered 503 with Retry-After, which Entra ID and Okta
          retry; ScimLab reconnects by itself, retrying…
        </span>
        <button className="small" onClick={retry}>
          Retry now
        </button>
      </div>
    );
  }
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
