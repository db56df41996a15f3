#![allow(clippy::unwrap_used)]
//! ScimLab integration tests: one binary, a real engine per test on 127.0.0.1:0 with a temp
//! SQLite file, driven over HTTP. Modules group tests by what they prove.

mod access;
mod admin;
mod bench_cli;
mod bounded;
mod capture;
mod checklist;
mod cli;
mod conditional;
mod durability;
mod errors;
mod faults;
mod flows;
mod guide;
mod input_safety;
mod limits;
mod listing;
mod mapping;
mod mapping_cache;
mod metrics;
mod oidc_provider;
mod packaging;
mod postgres;
mod rejection;
mod replay;
mod report_cli;
mod robustness;
mod share;
mod simulate;
mod strict;
mod team;
mod tunnel;
mod ui_api;
mod workspace_cli;
mod workspaces;
