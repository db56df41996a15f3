//! Property tests ("fuzzing on stable Rust", issue 11 §9): generated JSON, filters and PATCH
//! documents thrown at ingest, the filter parser and evaluator, the PATCH engine and the caps in
//! `limits`, the way the engine uses them.
//!
//! Each property checks that nothing panics or overflows the stack (a test thread has the same
//! 2 MiB stack as a tokio worker, so an overflow here aborts this binary), and that whatever is
//! accepted can be read back the way the engine and its clients do: the stored attributes are
//! serialised and parsed again with serde_json's default limits (the store's read path), rendered
//! into a ListResponse page and parsed as a client would, projected, filtered, and a resource
//! read back can be sent again (Okta's GET-then-PUT).
//!
//! `cargo test` runs [`DEFAULT_CASES`] cases per property (a few seconds); `make fuzz` sets
//! `PROPTEST_CASES` (20 000) for the long run. Generated inputs are bounded (depth, width,
//! length) so a case stays cheap; hostile depth is generated directly, beyond what serde_json
//! would even let through the HTTP edge (128 levels).

use proptest::prelude::*;
use proptest::test_runner::Config;
use scimlab_scim::filter::{AttrPath, Filter, parse_attr_path};
use scimlab_scim::patch::{apply_patch, parse_patch};
use scimlab_scim::resource::{ingest, project};
use scimlab_scim::{Mode, Quirks, ResourceKind, limits};
use serde_json::{Map, Value, json};

/// Cases per property when `PROPTEST_CASES` is not set (proptest's own default is 256).
const DEFAULT_CASES: u32 = 64;

fn config() -> Config {
    let mut c = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = DEFAULT_CASES;
    }
    // Shrinking a deep or wide input can take long; a failing case is reported either way.
    c.max_shrink_iters = 256;
    // The minimal failing input is printed; no regression files beside the sources.
    c.failure_persistence = None;
    c
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Attribute names the schemas know (users and groups), some sub-attributes, and odd ones.
const NAMES: &[&str] = &[
    "userName",
    "name",
    "givenName",
    "familyName",
    "formatted",
    "displayName",
    "nickName",
    "title",
    "userType",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "addresses",
    "roles",
    "entitlements",
    "groups",
    "members",
    "externalId",
    "id",
    "meta",
    "schemas",
    "employeeType",
    "employeeNumber",
    "department",
    "manager",
    "value",
    "type",
    "primary",
    "display",
    "$ref",
    "created",
    "lastModified",
    "Role",
    "email",
    "PASSWORD",
    "",
    "a.b",
    "émail",
];

/// Schema URNs (known, Entra's custom and malformed ones).
const URNS: &[&str] = &[
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0User",
    "urn:ietf:params:scim:schemas:extension:testmail:2.0:User",
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
    "urn:x",
];

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(NAMES).prop_map(str::to_owned),
        1 => prop::sample::select(NAMES).prop_map(|n| n.to_uppercase()),
        1 => "\\PC{0,12}",
        1 => prop::sample::select(URNS).prop_map(str::to_owned),
        1 => (prop::sample::select(URNS), prop::sample::select(NAMES))
            .prop_map(|(u, n)| format!("{u}:{n}")),
    ]
}

/// Strings: plain, unicode (any char, including NUL and controls), JSON-in-a-string (Entra's
/// role values), booleans and dates as strings, very long ones.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9@. _-]{0,16}",
        2 => any::<String>(),
        1 => prop::sample::select(vec!["True", "False", "true", "false", "TRUE", "Admin", "Member", "work", "2026-11-28T17:02:03Z", "2026-13-45", "null", ""]).prop_map(str::to_owned),
        1 => Just("{\"id\":\"x\",\"value\":\"Admin\",\"displayName\":\"Admin\"}".to_owned()),
        1 => "\\{\"[a-z]{0,4}\":[\\[\\{\"0-9,:]{0,40}",
        1 => "[a-z]{0,4}".prop_map(|s| s.repeat(1000)),
    ]
}

/// Numbers at the edges: huge integers, negative zero, large exponents (serde_json without
/// `arbitrary_precision` holds them as u64, i64 or f64).
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(-0.0)),
        Just(json!(1e308)),
        Just(json!(5e-324)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        string().prop_map(Value::String),
    ]
}

/// Arbitrary JSON, a few levels deep, with the schemas' attribute names as keys.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((name(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// `value` nested `depth` times in arrays or objects (alternating as `shape` says).
fn nest(mut value: Value, depth: usize, shape: u8) -> Value {
    for level in 0..depth {
        let object = match shape % 3 {
            0 => true,
            1 => false,
            _ => level % 2 == 0,
        };
        value = if object {
            let mut m = Map::new();
            m.insert("value".into(), value);
            Value::Object(m)
        } else {
            Value::Array(vec![value])
        };
    }
    value
}

/// JSON of hostile depth, up to a little past the 128 levels serde_json lets through the HTTP
/// edge (properties drop a body the edge would refuse: see [`through_the_edge`]).
fn deep_value() -> impl Strategy<Value = Value> {
    (leaf(), 1usize..140, any::<u8>()).prop_map(|(v, d, s)| nest(v, d, s))
}

/// The body as the engine receives it: sent as text and parsed by serde_json with its default
/// limits (as `ScimBody` does); `None` when the edge refuses it (deeper than 128 levels).
fn through_the_edge(body: &Value) -> Option<Value> {
    serde_json::from_str(&body.to_string()).ok()
}

/// A resource body: `schemas`, the required name, then known and unknown attributes with any
/// values, sometimes one nested deep.
fn body(kind: ResourceKind) -> impl Strategy<Value = Value> {
    let required = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    (
        prop::collection::vec((name(), json_value()), 0..8),
        prop::option::of((name(), deep_value())),
        string(),
        any::<bool>(),
    )
        .prop_map(move |(attrs, deep, required_value, with_schemas)| {
            let mut m = Map::new();
            if with_schemas {
                m.insert("schemas".into(), json!([kind.schema()]));
            }
            m.insert(required.into(), Value::String(required_value));
            for (k, v) in attrs {
                m.insert(k, v);
            }
            if let Some((k, v)) = deep {
                m.insert(k, v);
            }
            Value::Object(m)
        })
}

/// An attribute path as text: `name`, `name.sub`, `urn:name`, `urn:name.sub`.
fn path_text() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop::sample::select(URNS)),
        prop::sample::select(NAMES),
        prop::option::of(prop::sample::select(NAMES)),
    )
        .prop_map(|(urn, n, sub)| {
            let mut s = String::new();
            if let Some(u) = urn {
                s.push_str(u);
                s.push(':');
            }
            s.push_str(n);
            if let Some(sub) = sub {
                s.push('.');
                s.push_str(sub);
            }
            s
        })
}

fn comp_value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        string().prop_map(|s| Value::String(s).to_string()),
        number().prop_map(|n| n.to_string()),
        Just("true".to_owned()),
        Just("\"False\"".to_owned()),
        Just("null".to_owned()),
        "[a-zA-Z0-9-]{1,8}",
        Just("\"2026-11-28T17:02:03Z\"".to_owned()),
    ]
}

const OPS: &[&str] = &[
    "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co", "xx",
];

/// Filter text shaped by the grammar (`and`/`or`/`not`, parentheses, value paths, Microsoft's
/// `emails[type eq "work"].value eq "x"`), with a little junk mixed in.
fn filter_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        (path_text(), prop::sample::select(OPS), comp_value_text())
            .prop_map(|(p, o, v)| format!("{p} {o} {v}")),
        path_text().prop_map(|p| format!("{p} pr")),
        (path_text(), prop::sample::select(OPS), comp_value_text())
            .prop_map(|(p, o, v)| format!("emails[type eq \"work\" and {p} {o} {v}]")),
        (prop::sample::select(OPS), comp_value_text())
            .prop_map(|(o, v)| format!("emails[type eq \"work\"].value {o} {v}")),
        "[ a-z\"()\\[\\].:]{0,20}",
    ];
    atom.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

/// Nesting far past the parser's cap, in each form it has.
fn deep_filter_text() -> impl Strategy<Value = String> {
    (1usize..5000, 0u8..4).prop_map(|(n, form)| match form {
        0 => format!("{}userName pr{}", "(".repeat(n), ")".repeat(n)),
        1 => format!("{}userName pr{}", "not (".repeat(n), ")".repeat(n)),
        2 => format!("{}value eq \"x\"{}", "emails[".repeat(n), "]".repeat(n)),
        _ => vec!["userName pr"; n].join(" and "),
    })
}

/// A PATCH path: plain, filtered, Entra's filtered-then-sub form, or junk.
fn patch_path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => path_text(),
        2 => (prop::sample::select(NAMES), filter_text()).prop_map(|(n, f)| format!("{n}[{f}]")),
        1 => (prop::sample::select(NAMES), filter_text(), prop::sample::select(NAMES))
            .prop_map(|(n, f, s)| format!("{n}[{f}].{s}")),
        1 => Just("members[value eq \"u1\"]".to_owned()),
        1 => Just("emails[type eq \"work\"].value".to_owned()),
        1 => "\\PC{0,16}",
    ]
}

fn patch_op() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "add", "replace", "remove", "Add", "Replace", "Remove", "ADD", "move", "",
        ]),
        prop::option::of(patch_path()),
        prop::option::of(prop_oneof![json_value(), deep_value()]),
    )
        .prop_map(|(op, path, value)| {
            let mut m = Map::new();
            m.insert("op".into(), Value::String(op.into()));
            if let Some(p) = path {
                m.insert("path".into(), Value::String(p));
            }
            if let Some(v) = value {
                m.insert("value".into(), v);
            }
            Value::Object(m)
        })
}

fn patch_body() -> impl Strategy<Value = Value> {
    (prop::collection::vec(patch_op(), 0..6), any::<bool>()).prop_map(|(ops, schemas)| {
        let mut m = Map::new();
        if schemas {
            m.insert(
                "schemas".into(),
                json!(["urn:ietf:params:scim:api:messages:2.0:PatchOp"]),
            );
        }
        m.insert("Operations".into(), Value::Array(ops));
        Value::Object(m)
    })
}

fn kind() -> impl Strategy<Value = ResourceKind> {
    prop_oneof![Just(ResourceKind::User), Just(ResourceKind::Group)]
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Tolerant), Just(Mode::Strict)]
}

fn attr_paths() -> impl Strategy<Value = Vec<AttrPath>> {
    prop::collection::vec(path_text(), 0..4)
        .prop_map(|ps| ps.iter().filter_map(|p| parse_attr_path(p).ok()).collect())
}

// ---------------------------------------------------------------------------------------------
// The engine's read path, replayed
// ---------------------------------------------------------------------------------------------

/// What the engine stores of ingested attributes: everything but a group's `members`, which
/// live in their own table (`split_members` in the engine) and come back when it renders.
fn split(kind: ResourceKind, attrs: &Map<String, Value>) -> (Map<String, Value>, Value) {
    let mut stored = attrs.clone();
    let members = match kind {
        ResourceKind::Group => stored.remove("members").unwrap_or(json!([])),
        ResourceKind::User => Value::Null,
    };
    (stored, members)
}

/// What the engine does with accepted attributes, and what a client does with the answer: store
/// them as text, parse them back (the store's read), render the resource (id, meta, a group's
/// members), put it in a ListResponse page and parse that as a client would. Panics (fails the
/// property) if any step fails.
fn read_back(kind: ResourceKind, attrs: &Map<String, Value>) -> Value {
    let (attrs, members) = split(kind, attrs);
    let stored = serde_json::to_string(&attrs).expect("attributes serialise");
    let read: Map<String, Value> = serde_json::from_str(&stored)
        .unwrap_or_else(|e| panic!("stored attributes do not parse back ({e}): {stored:.300}"));
    assert_eq!(read, attrs, "stored attributes change on the way back");
    let mut resource = Map::new();
    if let Some(s) = read.get("schemas") {
        resource.insert("schemas".into(), s.clone());
    }
    resource.insert("id".into(), json!("2819c223-7f76-453a-919d-413861904646"));
    for (k, v) in read {
        if k != "schemas" {
            resource.insert(k, v);
        }
    }
    if kind == ResourceKind::Group {
        resource.insert("members".into(), members);
    }
    resource.insert(
        "meta".into(),
        json!({"resourceType": kind.name(), "created": "2026-11-28T17:02:03.123Z",
               "lastModified": "2026-11-28T17:02:03.123Z", "version": "W/\"1\"",
               "location": format!("http://127.0.0.1:8787/scim/v2{}/x", kind.endpoint())}),
    );
    let resource = Value::Object(resource);
    let page = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
        "Resources": [&resource],
    });
    let text = page.to_string();
    let client: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a list page holding it does not parse ({e}): {text:.300}"));
    assert_eq!(client["Resources"][0], resource);
    resource
}

fn quirks(mode: Mode) -> Quirks {
    Quirks::new(mode)
}

/// A user body made a group's: its `userName` becomes the `displayName`.
fn as_kind(kind: ResourceKind, body: Value) -> Value {
    let mut b = body;
    if kind == ResourceKind::Group
        && let Some(o) = b.as_object_mut()
    {
        let name = o.remove("userName").unwrap_or(Value::Null);
        o.insert("displayName".into(), name);
    }
    b
}

/// The body of a PUT that sends back what a GET returned (Okta AIW's update): no `meta`.
fn put_body(resource: &Value) -> Value {
    let mut r = resource.clone();
    if let Some(o) = r.as_object_mut() {
        o.remove("meta");
    }
    r
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Ingest never panics; an accepted body reads back (store, list page, client) and projects.
    #[test]
    fn ingest_accepts_only_what_reads_back(kind in kind(), mode in mode(), body in body(ResourceKind::User), include in attr_paths(), exclude in attr_paths()) {
        let Some(body) = through_the_edge(&as_kind(kind, body)) else { return Ok(()); };
        if let Ok(attrs) = ingest(kind, body, &mut quirks(mode)) {
            let resource = read_back(kind, &attrs);
            let projected = project(resource, &include, &exclude);
            serde_json::from_str::<Value>(&projected.to_string()).expect("projection parses");
        }
    }

    /// What a GET returned, sent back as a PUT (Okta AIW's update), is accepted and stores the
    /// same attributes.
    ///
    /// (It found a bug: a URN-qualified key inside the core schema's URN object was stored
    /// as a top-level key of that name, then moved on the next PUT. Fixed in `qualify_keys`.)
    #[test]
    fn a_put_of_what_get_returned_changes_nothing(kind in kind(), mode in mode(), body in body(ResourceKind::User)) {
        let Some(body) = through_the_edge(&as_kind(kind, body)) else { return Ok(()); };
        if let Ok(attrs) = ingest(kind, body, &mut quirks(mode)) {
            let resource = read_back(kind, &attrs);
            let again = ingest(kind, put_body(&resource), &mut quirks(Mode::Tolerant))
                .expect("what a GET returned is accepted as a PUT");
            prop_assert_eq!(split(kind, &again), split(kind, &attrs), "a PUT of what GET returned changes the resource");
        }
    }

    /// Deep nesting at every place ingest looks: accepted only when it reads back.
    #[test]
    fn deep_bodies_are_refused_or_read_back(kind in kind(), key in name(), deep in deep_value()) {
        let mut m = Map::new();
        m.insert("schemas".into(), json!([kind.schema()]));
        m.insert(match kind { ResourceKind::User => "userName", ResourceKind::Group => "displayName" }.into(), json!("deep"));
        m.insert(key, deep);
        let Some(body) = through_the_edge(&Value::Object(m)) else { return Ok(()); };
        if let Ok(attrs) = ingest(kind, body, &mut quirks(Mode::Tolerant)) {
            read_back(kind, &attrs);
        }
    }

    /// Any text at all: the filter parser answers Ok or an error, never a panic.
    #[test]
    fn filter_parser_takes_any_text(text in any::<String>(), kind in kind(), mode in mode()) {
        let _ = Filter::parse(&text, kind, &mut quirks(mode));
    }

    /// Grammar-shaped filters parse or fail cleanly, and a parsed one evaluates against any
    /// accepted resource without panicking.
    #[test]
    fn filters_parse_and_evaluate(text in filter_text(), kind in kind(), mode in mode(), body in body(ResourceKind::User)) {
        if let Ok(f) = Filter::parse(&text, kind, &mut quirks(mode)) {
            let Some(mut b) = through_the_edge(&body) else { return Ok(()); };
            if kind == ResourceKind::Group && let Some(o) = b.as_object_mut() {
                o.insert("displayName".into(), json!("g"));
            }
            if let Ok(attrs) = ingest(kind, b, &mut quirks(Mode::Tolerant)) {
                let resource = read_back(kind, &attrs);
                let _ = f.matches(&resource, kind);
            }
            let _ = f.matches(&json!({}), kind);
            let _ = f.matches(&Value::Null, kind);
        }
    }

    /// Filters nested far past the cap are refused, not a stack overflow.
    #[test]
    fn deep_filters_are_refused_not_overflowed(text in deep_filter_text(), kind in kind()) {
        if let Ok(f) = Filter::parse(&text, kind, &mut quirks(Mode::Tolerant)) {
            let _ = f.matches(&json!({"userName": "x", "emails": [{"value": "x"}]}), kind);
        }
    }

    /// PATCH documents: the caps, the parser and the engine never panic; a PATCH that applies
    /// leaves a resource that reads back.
    #[test]
    fn patches_apply_or_fail_cleanly(kind in kind(), mode in mode(), doc in patch_body(), base in body(ResourceKind::User)) {
        let Some(doc) = through_the_edge(&doc) else { return Ok(()); };
        let _ = limits::check_patch(&doc);
        let Ok(ops) = parse_patch(&doc, kind, &mut quirks(mode)) else { return Ok(()); };
        let Some(mut b) = through_the_edge(&base) else { return Ok(()); };
        if kind == ResourceKind::Group && let Some(o) = b.as_object_mut() {
            o.insert("displayName".into(), json!("g"));
            o.insert("members".into(), json!([{"value": "u1"}, {"value": "u2", "display": "Two"}]));
        }
        let Ok(attrs) = ingest(kind, b, &mut quirks(Mode::Tolerant)) else { return Ok(()); };
        let mut full = attrs;
        full.insert("id".into(), json!("2819c223"));
        if kind == ResourceKind::Group {
            full.entry("members").or_insert_with(|| json!([{"value": "u1"}]));
        }
        let mut patched = full.clone();
        if apply_patch(&mut patched, &ops, kind, &mut quirks(mode)).is_ok() {
            patched.remove("id");
            patched.remove("meta");
            read_back(kind, &patched);
        }
    }

    /// Path-less and filtered PATCH values of hostile depth: refused, or the result reads back.
    #[test]
    fn deep_patch_values_are_refused_or_read_back(kind in kind(), path in prop::option::of(prop::sample::select(vec!["title", "emails", "name.givenName", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "x-custom", "roles[primary eq true].value"])), deep in deep_value()) {
        let mut op = json!({"op": "add", "value": deep});
        match path {
            Some(p) => { op["path"] = json!(p); }
            None => { op["value"] = json!({"title": op["value"].take()}); }
        }
        let doc = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]});
        let Some(doc) = through_the_edge(&doc) else { return Ok(()); };
        let Ok(ops) = parse_patch(&doc, kind, &mut quirks(Mode::Tolerant)) else { return Ok(()); };
        let name = match kind { ResourceKind::User => "userName", ResourceKind::Group => "displayName" };
        let mut full = Map::new();
        full.insert("schemas".into(), json!([kind.schema()]));
        full.insert(name.into(), json!("x"));
        full.insert("id".into(), json!("1"));
        if kind == ResourceKind::Group {
            full.insert("members".into(), json!([]));
        }
        if apply_patch(&mut full, &ops, kind, &mut quirks(Mode::Tolerant)).is_ok() {
            full.remove("id");
            read_back(kind, &full);
        }
    }

    /// The `attributes=` cap and the attribute-path parser take any text.
    #[test]
    fn attribute_lists_take_any_text(text in any::<String>(), n in 0usize..300) {
        let list = vec![text.as_str(); n].join(",");
        let _ = limits::check_attribute_list("attributes", &list);
        for p in text.split(',') {
            let _ = parse_attr_path(p);
        }
    }
}
