#![allow(clippy::unwrap_used)]
//! The engine's module graph, read from its sources: dependencies go one way (no cycle between
//! top-level modules), and the leaves stay leaves. `docs/architecture.md` draws the graph this
//! test enforces; `scripts/check-layering.sh` checks the rest (SQL only in `store/`, no Tauri).
//!
//! A module depends on another when its non-test code names `crate::<other>` (paths and `use`
//! lists); code after a `#[cfg(test)]`, and test files (`tests.rs`, `testkit.rs`, the store's `contract.rs`), may use
//! anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that import nothing of the crate.
const LEAVES: &[&str] = &["client", "memory", "metrics", "model", "pseudonym", "tls"];
/// Modules and the only crate modules they may import.
const ALLOWED: &[(&str, &[&str])] = &[
    ("wire", &["auth", "model", "store"]),
    ("auth", &["store"]),
    ("access", &["store", "wire"]),
    ("oidc", &["access"]),
    ("host", &["access"]),
    ("config", &["oidc", "tls"]),
    ("diagnosis", &["config", "model"]),
    ("timeline", &["model"]),
    ("mapping", &["model"]),
    ("store", &["model", "pseudonym", "timeline"]),
    (
        "events",
        &["faults", "model", "replay", "runtime", "simulate", "tunnel"],
    ),
    ("faults", &["model"]),
    ("database", &["config", "model", "store"]),
    ("relay", &["auth", "events", "model", "store"]),
    ("tunnel", &["config"]),
    (
        "workspace",
        &[
            "auth",
            "database",
            "events",
            "metrics",
            "model",
            "pseudonym",
            "runtime",
            "store",
            "wire",
        ],
    ),
    (
        "materialised",
        &[
            "checks", "mapping", "memory", "model", "report", "results", "scim_api", "store",
            "timeline",
        ],
    ),
    (
        "report",
        &[
            "capture",
            "checks",
            "config",
            "diagnosis",
            "mapping",
            "model",
            "results",
            "scim_api",
            "store",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level modules (files and directories of `src/`, without `lib.rs` and `bin/`).
fn modules() -> BTreeSet<String> {
    std::fs::read_dir(src())
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if path.is_dir() {
                (name != "bin").then_some(name)
            } else {
                name.strip_suffix(".rs")
                    .filter(|n| *n != "lib")
                    .map(str::to_owned)
            }
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            && !p.file_name().is_some_and(|n| {
                matches!(n.to_str(), Some("tests.rs" | "testkit.rs" | "contract.rs"))
            })
        {
            // Test modules (`tests.rs` beside the code, the checklist's `testkit.rs`) may use
            // anything, as code after `#[cfg(test)]` may.
            out.push(p);
        }
    }
}

/// The crate modules `module`'s non-test code names.
fn imports(module: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let file = src().join(format!("{module}.rs"));
    let mut files = Vec::new();
    if file.exists() {
        files.push(file);
    } else {
        rust_files(&src().join(module), &mut files);
    }
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let mut names: Vec<String> = Vec::new();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            if let Some(list) = rest.strip_prefix('{') {
                let list = &list[..list.find('}').unwrap_or(list.len())];
                names.extend(
                    list.split(',')
                        .map(|p| p.trim().split("::").next().unwrap_or("").to_owned()),
                );
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                names.push(name);
            }
        }
        out.extend(names.into_iter().filter(|n| n != module && all.contains(n)));
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let all = modules();
    all.iter().map(|m| (m.clone(), imports(m, &all))).collect()
}

/// A cycle through `start`, if the graph has one (depth-first search).
fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut c = path[at..].to_vec();
            c.push(node.to_owned());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in g.get(node).into_iter().flatten() {
            if let Some(c) = visit(g, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|m| visit(g, m, &mut Vec::new(), &mut done))
}

#[test]
fn the_engine_modules_depend_one_way() {
    let g = graph();
    assert!(g.len() > 10, "modules found: {:?}", g.keys());
    if let Some(c) = cycle(&g) {
        panic!(
            "module cycle: {} — move the shared types to a leaf (model, wire, config)",
            c.join(" → ")
        );
    }
}

#[test]
fn leaves_stay_leaves_and_layers_keep_their_imports() {
    let g = graph();
    for leaf in LEAVES {
        let deps = &g[*leaf];
        assert!(deps.is_empty(), "{leaf} is a leaf but imports {deps:?}");
    }
    for (module, allowed) in ALLOWED {
        let extra: Vec<&String> = g[*module]
            .iter()
            .filter(|d| !allowed.contains(&d.as_str()))
            .collect();
        assert!(
            extra.is_empty(),
            "{module} may import only {allowed:?}, but imports {extra:?}"
        );
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.insert("a".into(), ["b".to_owned()].into());
    g.insert("b".into(), ["c".to_owned()].into());
    g.insert("c".into(), ["a".to_owned()].into());
    assert_eq!(cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.insert("c".into(), BTreeSet::new());
    assert!(cycle(&g).is_none());
}
