-- The quirk a strict answer refused (its label), so the checklist and the "why it failed" banner
-- name the deviation behind a strict-mode 400 instead of guessing it from the detail text.
ALTER TABLE exchanges ADD COLUMN refused_quirk TEXT;
