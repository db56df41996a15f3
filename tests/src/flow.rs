//! The flow runner: replays an IdP provisioning flow from a JSON fixture against a real engine.
//!
//! A flow file is `{"description": "...", "headers": {...}, "steps": [step, ...]}` (`headers`,
//! optional, are sent with every step, e.g. the IdP's `User-Agent`). A step:
//! ```json
//! {"name": "create", "method": "POST", "path": "/Users", "body": {...},
//!  "status": 201,
//!  "expect": {"/userName": "x", "/active": true},      // JSON pointer -> exact value
//!  "absent": ["/password"],                            // JSON pointers that must not exist
//!  "quirks": ["okta.password-sent"],                   // labels that must be reported
//!  "capture": {"user_id": "/id"}}                      // saved for later `{user_id}`
//! ```
//! `{name}` placeholders in `path` and in string values of `body` are replaced by captures.

use crate::TestEngine;
use serde_json::{Map, Value};
use std::collections::HashMap;

fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

fn substitute_value(v: &Value, vars: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(substitute(s, vars)),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute_value(x, vars)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (substitute(k, vars), substitute_value(x, vars)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// Run every step of the flow fixture `rel` against `engine`; panics with the step name on the
/// first mismatch. Returns the captured variables.
pub async fn run_flow(engine: &TestEngine, rel: &str) -> HashMap<String, String> {
    let flow = crate::fixture(rel);
    let steps = flow["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{rel}: no steps"));
    let mut vars: HashMap<String, String> = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        let name = step["name"].as_str().unwrap_or("?");
        let at = format!("{rel} step {i} '{name}'");
        let method = step["method"]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: no method"));
        let path = substitute(
            step["path"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no path")),
            &vars,
        );
        let body = step.get("body").map(|b| substitute_value(b, &vars));
        let auth = format!("Bearer {}", engine.key);
        let mut headers: Vec<(&str, &str)> = vec![("authorization", auth.as_str())];
        headers.extend(
            flow["headers"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))),
        );
        let reply = engine
            .send_raw(method, &path, body.as_ref().map(Value::to_string), &headers)
            .await;
        if let Some(status) = step["status"].as_u64() {
            assert_eq!(
                u64::from(reply.status.as_u16()),
                status,
                "{at}: status; body {}",
                reply.text
            );
        }
        if let Some(expect) = step["expect"].as_object() {
            for (pointer, want) in expect {
                let want = substitute_value(want, &vars);
                let got = reply.body.pointer(pointer);
                assert_eq!(got, Some(&want), "{at}: {pointer}; body {}", reply.text);
            }
        }
        for pointer in step["absent"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            assert!(
                reply.body.pointer(pointer).is_none(),
                "{at}: {pointer} must be absent; body {}",
                reply.text
            );
        }
        let reported = reply.quirks();
        for q in step["quirks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            assert!(
                reported.iter().any(|r| r == q),
                "{at}: quirk {q} not reported; got {reported:?}"
            );
        }
        for (var, pointer) in step["capture"].as_object().into_iter().flatten() {
            let pointer = pointer.as_str().unwrap_or_default();
            let v = reply
                .body
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{at}: nothing at {pointer} to capture"));
            let s = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            vars.insert(var.clone(), s);
        }
    }
    vars
}
