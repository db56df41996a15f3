//! PostgreSQL: (stub: being ported).
