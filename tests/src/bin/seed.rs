//! `scimlab-seed DIR [--users N] [--exchanges M] [--seed S]`: a database at size, fast. Writes
//! `DIR/scimlab.db` (which must not exist yet) through the engine's own store, without HTTP: N
//! users (default 100 000) and M captured exchanges (default 1 000 000) in large transactions,
//! in about a minute on 2 cores, where seeding over loopback takes about ten.
//!
//! What it writes, deterministic for a seed:
//! - users shaped like the creates of Entra ID (three in five: the enterprise extension, the role
//!   in a custom extension's `employeeType`) and of Okta (two in five: a top-level `role`,
//!   `locale`, an `00u…` externalId), each row written in the same transaction as its create;
//! - the exchanges of that provisioning, oldest first, over 14 days from 2026-11-01: for each user
//!   the match lookup (`userName eq`, no match) and the create (201) — nine in ten users up
//!   front, the rest joining during the rest — and a mix that references the users created so
//!   far — Entra: lookups that match, PATCH updates (rename, department, role),
//!   deactivations and reactivations (`"False"`/`"True"`), connection probes, reads, a few 409s;
//!   Okta: lookups, reads before PUT, PUT updates, PUT deactivations, import pages of 100,
//!   probes (`count=2`), a few 404s. Headers as the capture stores them (the bearer key
//!   redacted to its last 4 characters), bodies and before/after as the engine renders them;
//! - each user row holds its state after the last exchange (renamed, deactivated), version 1.
//!
//! Prints the database path, counts and seconds. Bounded: N ≤ 1 000 000, M ≤ 10 000 000.

use scimlab_engine::model::{
    AuthOutcome, AuthSummary, Exchange, ExchangeSummary, Idp, OperationKind, ResourceId,
};
use scimlab_engine::simulate::{ENTRA_USER_AGENT, OKTA_USER_AGENT};
use scimlab_engine::store::Store;
use scimlab_engine::store::prelude::*;
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::time::Instant;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CUSTOM: &str = "urn:ietf:params:scim:schemas:extension:ScimLab:2.0:User";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const HOST: &str = "127.0.0.1:8787";
const BASE: &str = "http://127.0.0.1:8787/scim/v2";
/// Exchanges per transaction (and per WAL checkpoint).
const BATCH: usize = 5_000;
/// 2026-11-01T00:00:00Z in milliseconds; exchanges spread over 14 days from there.
const START_MS: i64 = 1_793_491_200_000;
const SPAN_MS: i64 = 14 * 86_400_000;

const GIVEN: [&str; 24] = [
    "Ada", "Bruno", "Chloé", "Dennis", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kenji",
    "Lena", "Mateo", "Nora", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera",
    "Wei", "Zoë",
];
const FAMILY: [&str; 24] = [
    "Almeida", "Berners", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann",
    "Ivanova", "Jansen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe",
    "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Walsh", "Yilmaz",
];
const DEPARTMENTS: [&str; 6] = [
    "Finance",
    "Sales",
    "Engineering",
    "Support",
    "Legal",
    "Marketing",
];

/// splitmix64: small, fast, and the same sequence for a seed on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    LookupNone,
    Create,
    Lookup,
    Update,
    Deactivate,
    Reactivate,
    Read,
    Probe,
    ImportPage,
    Conflict,
    NotFound,
}

/// One person: fixed facts, and the state that the exchanges change.
#[derive(Clone)]
struct User {
    id: String,
    idp: Idp,
    given: &'static str,
    family: &'static str,
    user_name: String,
    external_id: String,
    employee_number: u32,
    department: &'static str,
    role: Option<&'static str>,
    active: bool,
    version: u32,
    created: String,
    modified: String,
}

impl User {
    fn new(i: usize, rng: &mut Rng) -> Self {
        let idp = if i % 5 < 3 { Idp::Entra } else { Idp::Okta };
        let given = GIVEN[rng.below(GIVEN.len() as u64) as usize];
        let family = FAMILY[rng.below(FAMILY.len() as u64) as usize];
        let domain = if idp == Idp::Entra {
            "contoso.example"
        } else {
            "okta.example"
        };
        let user_name = format!(
            "{}.{}{i}@{domain}",
            ascii(given).to_lowercase(),
            ascii(family).to_lowercase()
        );
        let external_id = if idp == Idp::Entra {
            user_name.split('@').next().unwrap_or_default().to_owned()
        } else {
            format!("00u{:017x}", rng.next() >> 4)
        };
        let role = match rng.below(10) {
            0..=4 => Some("Member"),
            5 | 6 => Some("Admin"),
            7 => Some("Owner"),
            _ => None,
        };
        Self {
            id: rng.uuid(),
            idp,
            given,
            family,
            user_name,
            external_id,
            employee_number: 100_000 + (rng.below(900_000) as u32),
            department: DEPARTMENTS[rng.below(DEPARTMENTS.len() as u64) as usize],
            role,
            active: true,
            version: 1,
            created: String::new(),
            modified: String::new(),
        }
    }

    fn display_name(&self) -> String {
        format!("{} {}", self.given, self.family)
    }

    /// The attributes as the engine stores them after ingesting this user's current state.
    fn attributes(&self) -> Map<String, Value> {
        let email = json!([{"primary": true, "type": "work", "value": self.user_name}]);
        let v = if self.idp == Idp::Entra {
            let mut v = json!({
                "schemas": [CORE, ENTERPRISE, CUSTOM],
                "externalId": self.external_id,
                "userName": self.user_name,
                "active": self.active,
                "displayName": self.display_name(),
                "emails": email,
                "name": {"formatted": self.display_name(), "familyName": self.family, "givenName": self.given},
                "roles": [],
                ENTERPRISE: {"employeeNumber": self.employee_number.to_string(), "department": self.department},
            });
            if let Some(r) = self.role {
                v[CUSTOM] = json!({"employeeType": r});
            }
            v
        } else {
            let mut v = json!({
                "schemas": [CORE],
                "userName": self.user_name,
                "name": {"givenName": self.given, "familyName": self.family},
                "emails": email,
                "displayName": self.display_name(),
                "locale": "en-US",
                "externalId": self.external_id,
                "active": self.active,
                "email": self.user_name,
            });
            if let Some(r) = self.role {
                v["role"] = json!(r);
            }
            v
        };
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// The user as the SCIM endpoint answers it (id and meta added).
    fn rendered(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.extend(self.attributes());
        let loc = format!("{BASE}/Users/{}", self.id);
        m.insert(
            "meta".into(),
            json!({"resourceType": "User", "created": self.created, "lastModified": self.modified,
                   "location": loc, "version": format!("W/\"{}\"", self.version)}),
        );
        Value::Object(m)
    }

    /// The body the IdP sends to create this user.
    fn create_body(&self) -> Value {
        let mut m = self.attributes();
        if self.idp == Idp::Entra {
            m.insert("schemas".into(), json!([CORE, ENTERPRISE]));
            m.insert("meta".into(), json!({"resourceType": "User"}));
        } else {
            m.insert("groups".into(), json!([]));
            m.insert("password".into(), json!("[redacted]"));
        }
        Value::Object(m)
    }

    fn agent(&self) -> &'static str {
        if self.idp == Idp::Entra {
            ENTRA_USER_AGENT
        } else {
            OKTA_USER_AGENT
        }
    }
}

/// `Dubois` → `Dubois`, `García` → `Garcia`: the userName stays ASCII, as most tenants' are.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'é' => 'e',
            'í' => 'i',
            'ë' | 'ö' => 'o',
            c => c,
        })
        .collect()
}

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn headers(agent: &str, with_body: Option<usize>) -> Vec<(String, String)> {
    let mut h = vec![
        ("accept".to_owned(), "application/scim+json".to_owned()),
        ("user-agent".to_owned(), agent.to_owned()),
    ];
    if agent == OKTA_USER_AGENT {
        h.push(("accept-charset".to_owned(), "utf-8".to_owned()));
    }
    h.push(("authorization".to_owned(), "Bearer …k3Yq".to_owned()));
    if with_body.is_some() {
        let ct = if agent == OKTA_USER_AGENT {
            "application/scim+json; charset=utf-8"
        } else {
            "application/scim+json"
        };
        h.push(("content-type".to_owned(), ct.to_owned()));
    }
    h.push(("host".to_owned(), HOST.to_owned()));
    if let Some(len) = with_body {
        h.push(("content-length".to_owned(), len.to_string()));
    }
    h
}

fn response_headers(body: &str, version: Option<u32>, quirks: &[&str]) -> Vec<(String, String)> {
    let mut h = vec![(
        "content-type".to_owned(),
        "application/scim+json".to_owned(),
    )];
    if let Some(v) = version {
        h.push(("etag".to_owned(), format!("W/\"{v}\"")));
    }
    h.push(("content-length".to_owned(), body.len().to_string()));
    if !quirks.is_empty() {
        h.push(("x-scimlab-quirks".to_owned(), quirks.join(", ")));
    }
    h
}

fn list_of(resources: Vec<Value>) -> Value {
    let n = resources.len();
    json!({"schemas": [LIST], "totalResults": n, "startIndex": 1,
           "itemsPerPage": n, "Resources": Value::Array(resources)})
}

/// A captured exchange with the common fields filled in.
struct Draft {
    at: String,
    method: &'static str,
    path: String,
    query: String,
    status: u16,
    idp: Idp,
    operation: OperationKind,
    user: Option<(String, String)>,
    quirks: &'static [&'static str],
    agent: &'static str,
    request: Option<Value>,
    response: Option<Value>,
    version: Option<u32>,
    before: Option<Value>,
    after: Option<Value>,
}

impl Draft {
    fn build(self, rng: &mut Rng) -> Exchange {
        let request_body = self.request.map(|v| v.to_string());
        let response_body = self.response.map(|v| v.to_string());
        let response_headers = response_headers(
            response_body.as_deref().unwrap_or(""),
            self.version,
            self.quirks,
        );
        let (resource_id, resource_name) = self.user.unzip();
        let latency_ms = 0.3 + (rng.below(2_000) as f64) / 1_000.0;
        Exchange {
            summary: ExchangeSummary {
                id: 0,
                at: self.at,
                method: self.method.to_owned(),
                path: self.path,
                query: self.query,
                status: self.status,
                latency_ms,
                idp: self.idp,
                operation: self.operation,
                resource_type: Some(ResourceKind::User),
                resource_id,
                resource_name,
                quirks: self.quirks.iter().map(|q| (*q).to_owned()).collect(),
                fold_count: None,
                last_at: None,
                refused_quirk: None,
                fault: None,
            },
            client_addr: Some(format!("127.0.0.1:{}", 40_000 + rng.below(20_000))),
            idp_reason: format!("user-agent says '{}'", self.agent),
            request_headers: headers(self.agent, request_body.as_ref().map(String::len)),
            request_body,
            request_truncated: false,
            response_headers,
            response_body,
            response_truncated: false,
            auth: AuthSummary {
                scheme: Some("Bearer".to_owned()),
                last4: Some("k3Yq".to_owned()),
                matched: true,
                outcome: AuthOutcome::Matched,
                workspace: None,
            },
            before: self.before,
            after: self.after,
        }
    }
}

fn filter_query(idp: Idp, user_name: &str) -> String {
    if idp == Idp::Entra {
        format!("filter=userName+eq+%22{}%22", user_name.replace('@', "%40"))
    } else {
        format!(
            "filter=userName%20eq%20%22{}%22&startIndex=1&count=100",
            user_name.replace('@', "%40")
        )
    }
}

/// One planned exchange: what, about which user, and (for an update) the new family name and
/// department, chosen when planning so that the final state of every user is known up front.
#[derive(Clone, Copy)]
struct Step {
    op: Op,
    user: u32,
    family: u8,
    department: u8,
}

impl Step {
    /// Change `u` as this step's write does (nothing for a read).
    fn apply(self, u: &mut User, now: &str) {
        match self.op {
            Op::Create => {
                now.clone_into(&mut u.created);
                now.clone_into(&mut u.modified);
                return;
            }
            Op::Update => {
                u.family = FAMILY[usize::from(self.family) % FAMILY.len()];
                u.department = DEPARTMENTS[usize::from(self.department) % DEPARTMENTS.len()];
            }
            Op::Deactivate => u.active = false,
            Op::Reactivate => u.active = true,
            _ => return,
        }
        u.version += 1;
        now.clone_into(&mut u.modified);
    }
}

/// The exchange `step` makes for user `u` at `now`, changing `u` as the write would.
fn exchange(step: Step, u: &mut User, now: &str, rng: &mut Rng, page: &[Value]) -> Exchange {
    let op = step.op;
    let idp = u.idp;
    let entra = idp == Idp::Entra;
    let me = Some((u.id.clone(), u.user_name.clone()));
    let user_path = format!("/scim/v2/Users/{}", u.id);
    let mut d = Draft {
        at: now.to_owned(),
        method: "GET",
        path: "/scim/v2/Users".to_owned(),
        query: String::new(),
        status: 200,
        idp,
        operation: OperationKind::MatchLookup,
        user: None,
        quirks: &[],
        agent: u.agent(),
        request: None,
        response: None,
        version: None,
        before: None,
        after: None,
    };
    match op {
        Op::LookupNone => {
            d.query = filter_query(idp, &u.user_name);
            d.quirks = if entra {
                &["entra.plus-encoded-filter"]
            } else {
                &[]
            };
            d.response = Some(list_of(Vec::new()));
        }
        Op::Lookup => {
            d.query = filter_query(idp, &u.user_name);
            d.user = me;
            d.quirks = if entra {
                &["entra.plus-encoded-filter"]
            } else {
                &[]
            };
            d.response = Some(list_of(vec![u.rendered()]));
        }
        Op::Probe => {
            d.operation = OperationKind::ConnectionProbe;
            d.query = if entra {
                format!("filter=userName+eq+%22{}%22", rng.uuid())
            } else {
                "startIndex=1&count=2".to_owned()
            };
            d.response = Some(list_of(if entra {
                Vec::new()
            } else {
                page.iter().take(2).cloned().collect()
            }));
        }
        Op::ImportPage => {
            d.operation = OperationKind::ImportPage;
            d.query = format!("startIndex={}&count=100", 1 + 100 * rng.below(1_000));
            d.response = Some(list_of(page.to_vec()));
        }
        Op::Read => {
            d.operation = OperationKind::Read;
            d.path = user_path;
            d.user = me;
            d.version = Some(u.version);
            d.response = Some(u.rendered());
        }
        Op::Create => {
            step.apply(u, now);
            d.method = "POST";
            d.status = 201;
            d.operation = OperationKind::Create;
            d.user = me;
            d.quirks = if entra {
                &["entra.extension-not-in-schemas", "entra.client-sent-meta"]
            } else {
                &["okta.unknown-attribute", "okta.password-sent"]
            };
            d.request = Some(u.create_body());
            let after = u.rendered();
            d.version = Some(1);
            d.response = Some(after.clone());
            d.after = Some(after);
        }
        Op::Conflict => {
            d.method = "POST";
            d.status = 409;
            d.operation = OperationKind::Create;
            d.user = me;
            d.request = Some(u.create_body());
            d.response = Some(
                json!({"schemas": [ERROR], "status": "409", "scimType": "uniqueness",
                "detail": format!("userName '{}' is already in use", u.user_name)}),
            );
        }
        Op::NotFound => {
            let ghost = rng.uuid();
            d.path = format!("/scim/v2/Users/{ghost}");
            d.status = 404;
            d.operation = OperationKind::Read;
            d.response = Some(json!({"schemas": [ERROR], "status": "404",
                "detail": format!("no User with id '{ghost}'")}));
        }
        Op::Update | Op::Deactivate | Op::Reactivate => {
            let before = u.rendered();
            step.apply(u, now);
            let ops = match op {
                Op::Update => {
                    d.operation = OperationKind::Update;
                    json!([
                        {"op": "Replace", "path": "displayName", "value": u.display_name()},
                        {"op": "Replace", "path": "name.familyName", "value": u.family},
                        {"op": "Replace", "path": "name.formatted", "value": u.display_name()},
                        {"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": u.department},
                    ])
                }
                Op::Deactivate => {
                    d.operation = OperationKind::Deactivate;
                    json!([{"op": "Replace", "path": "active", "value": "False"}])
                }
                _ => {
                    d.operation = OperationKind::Reactivate;
                    json!([{"op": "Replace", "path": "active", "value": "True"}])
                }
            };
            let after = u.rendered();
            d.path = user_path;
            d.user = me;
            d.version = Some(u.version);
            if entra {
                d.method = "PATCH";
                d.quirks = if op == Op::Update {
                    &["entra.capitalized-op"]
                } else {
                    &["entra.capitalized-op", "entra.string-boolean"]
                };
                d.request = Some(json!({"schemas": [PATCH_OP], "Operations": ops}));
            } else {
                // Okta replaces the whole user, echoing its id and meta.
                d.method = "PUT";
                d.quirks = &[
                    "okta.put-full-replace",
                    "entra.client-sent-meta",
                    "okta.put-echoes-readonly",
                    "okta.unknown-attribute",
                ];
                let mut body = before.clone();
                if let Value::Object(m) = &mut body {
                    m.extend(u.attributes());
                }
                d.request = Some(body);
            }
            d.response = Some(after.clone());
            d.before = Some(before);
            d.after = Some(after);
        }
    }
    d.build(rng)
}

/// The operation the mixed phase sends next, by IdP (weights of a steady provisioning cycle).
fn pick(idp: Idp, active: bool, rng: &mut Rng) -> Op {
    let roll = rng.below(100);
    let op = if idp == Idp::Entra {
        match roll {
            0..=39 => Op::Lookup,
            40..=74 => Op::Update,
            75..=82 => Op::Deactivate,
            83..=85 => Op::Reactivate,
            86..=90 => Op::Probe,
            91..=98 => Op::Read,
            _ => Op::Conflict,
        }
    } else {
        match roll {
            0..=29 => Op::Lookup,
            30..=54 => Op::Read,
            55..=79 => Op::Update,
            80..=87 => Op::Deactivate,
            88..=89 => Op::Reactivate,
            90..=91 => Op::ImportPage,
            92..=97 => Op::Probe,
            _ => Op::NotFound,
        }
    };
    match op {
        Op::Deactivate if !active => Op::Update,
        Op::Reactivate if active => Op::Lookup,
        op => op,
    }
}

struct Args {
    dir: PathBuf,
    users: usize,
    exchanges: usize,
    seed: u64,
}

fn args() -> Args {
    let usage = "usage: scimlab-seed DIR [--users N] [--exchanges M] [--seed S]";
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        dir: PathBuf::new(),
        users: 100_000,
        exchanges: 1_000_000,
        seed: 1,
    };
    let mut dir = None;
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .and_then(|v| v.replace('_', "").parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{arg} needs a number; {usage}"))
        };
        match arg.as_str() {
            "--users" => a.users = value() as usize,
            "--exchanges" => a.exchanges = value() as usize,
            "--seed" => a.seed = value(),
            "-h" | "--help" => {
                println!("{usage}");
                std::process::exit(0);
            }
            _ if dir.is_none() && !arg.starts_with('-') => dir = Some(PathBuf::from(&arg)),
            _ => panic!("unknown argument '{arg}'; {usage}"),
        }
    }
    a.dir = dir.unwrap_or_else(|| panic!("{usage}"));
    assert!(
        (1..=1_000_000).contains(&a.users),
        "--users {}: use 1 to 1 000 000",
        a.users
    );
    assert!(
        a.exchanges <= 10_000_000,
        "--exchanges {}: use at most 10 000 000",
        a.exchanges
    );
    a
}

#[tokio::main]
async fn main() {
    let a = args();
    std::fs::create_dir_all(&a.dir).expect("create DIR");
    let db = a.dir.join("scimlab.db");
    assert!(
        !db.exists(),
        "{} exists: seed into an empty directory",
        db.display()
    );
    let started = Instant::now();
    let mut rng = Rng(a.seed);
    let mut users: Vec<User> = (0..a.users).map(|i| User::new(i, &mut rng)).collect();

    // The plan: each user's lookup and create (in user order), then the mixed phase. Applied
    // once to copies first, to know every user's final state (its row is written with its create).
    let creates = a.users.min(a.exchanges / 2);
    let mixed = a.exchanges - 2 * creates;
    let step_ms = SPAN_MS / (a.exchanges.max(1) as i64);
    let mut plan: Vec<Step> = Vec::with_capacity(a.exchanges);
    let step = |op, user: usize| Step {
        op,
        user: user as u32,
        family: 0,
        department: 0,
    };
    let mut finals = users.clone();
    let mut push = |plan: &mut Vec<Step>, s: Step| {
        s.apply(
            &mut finals[s.user as usize],
            &at(START_MS + plan.len() as i64 * step_ms),
        );
        plan.push(s);
    };
    // Nine in ten users are provisioned up front; the rest join during the mixed phase (a
    // steady cycle still creates people), so the newest exchanges hold creates too.
    let upfront = creates - creates / 10;
    for u in 0..upfront {
        push(&mut plan, step(Op::LookupNone, u));
        push(&mut plan, step(Op::Create, u));
    }
    let mut created = upfront;
    let mut active = vec![true; a.users];
    while plan.len() < 2 * creates + mixed {
        let left = (2 * creates + mixed - plan.len()) as u64;
        let joiners = 2 * (creates - created) as u64;
        if joiners > 0 && (left <= joiners || rng.below(left) < joiners) {
            push(&mut plan, step(Op::LookupNone, created));
            push(&mut plan, step(Op::Create, created));
            created += 1;
            continue;
        }
        let u = rng.below(created.max(1) as u64) as usize;
        let op = pick(users[u].idp, active[u], &mut rng);
        match op {
            Op::Deactivate => active[u] = false,
            Op::Reactivate => active[u] = true,
            _ => {}
        }
        let s = Step {
            family: rng.below(FAMILY.len() as u64) as u8,
            department: rng.below(DEPARTMENTS.len() as u64) as u8,
            ..step(op, u)
        };
        push(&mut plan, s);
    }
    let planned = started.elapsed().as_secs_f64();

    let store = Store::open(&db).await.expect("the store opens");
    let mut r = Rng(a.seed ^ 0x5EED);
    let mut batch: Vec<Exchange> = Vec::with_capacity(BATCH);
    let mut w = store.write().await.expect("writer");
    let mut page: Vec<Value> = Vec::new();
    for (k, s) in plan.iter().enumerate() {
        let (op, u) = (s.op, s.user as usize);
        let now = at(START_MS + k as i64 * step_ms);
        if op == Op::Create {
            let f = &finals[u];
            w.insert_resource(
                ResourceKind::User,
                &ResourceId::from(f.id.as_str()),
                &f.attributes(),
                &now,
            )
            .await
            .expect("insert user");
        }
        if op == Op::ImportPage || (op == Op::Probe && page.is_empty()) {
            let from = r.below(a.users as u64) as usize;
            page = users
                .iter()
                .skip(from)
                .take(100)
                .filter(|p| !p.created.is_empty())
                .map(User::rendered)
                .collect();
        }
        batch.push(exchange(*s, &mut users[u], &now, &mut r, &page));
        if batch.len() == BATCH {
            w.insert_exchanges(&batch, 10_000_000)
                .await
                .expect("insert exchanges");
            w.commit().await.expect("commit");
            store.checkpoint().await;
            batch.clear();
            w = store.write().await.expect("writer");
        }
    }
    if !batch.is_empty() {
        w.insert_exchanges(&batch, 10_000_000)
            .await
            .expect("insert exchanges");
    }
    // Users the exchanges never created (fewer exchanges than two per user): rows only.
    for f in &finals[creates..] {
        let now = at(START_MS);
        w.insert_resource(
            ResourceKind::User,
            &ResourceId::from(f.id.as_str()),
            &f.attributes(),
            &now,
        )
        .await
        .expect("insert user");
    }
    w.commit().await.expect("commit");
    store.truncate_wal().await;
    store.close().await;
    println!(
        "{}: {} users, {} exchanges in {:.1} s (plan {:.1} s)",
        db.display(),
        a.users,
        a.exchanges,
        started.elapsed().as_secs_f64(),
        planned
    );
}
