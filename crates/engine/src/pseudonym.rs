//! Pseudonymisation for exports: a dictionary that gives each person's value (name, email, id,
//! phone, address, employee number) one stand-in and replaces it everywhere, consistently.
//!
//! Captured traffic holds real employees' data, and exports travel (tickets, chats, vendors).
//! `--pseudonymise` keeps what makes an export useful — which request touched which user, the
//! roles, group names, the shapes of the values — and takes the people out. Owns the whole
//! decision: which SCIM attributes are personal, what a pseudonym looks like, and how a value
//! is found in text as Entra ID and Okta send it (URL-encoded in a query, JSON-escaped in a
//! body, in another case than the last time).
//!
//! # Use
//!
//! Learn first, then apply: [`Pseudonyms::learn_resource`] on every stored user and group and on
//! every captured body, [`Pseudonyms::learn_patch`] on PATCH bodies, [`Pseudonyms::learn_query`]
//! on request targets; then [`Pseudonyms::apply`] / [`Pseudonyms::apply_json`] on everything that
//! is exported. A value learned after some text was applied is not replaced in that text.
//!
//! # What is personal
//!
//! Replaced: `userName`, `externalId`, a user's `id`, a user's `displayName`, `nickName`, the
//! `name` parts, `emails`, `phoneNumbers`, `ims`, `photos` values, `addresses` street, locality,
//! postal code and formatted, the enterprise extension's `employeeNumber` and `manager`, a group's
//! `members` (`value` is a user id, `display` a name). Kept: a group's `displayName` (role mapping
//! reads it), anything with `role` in its name, `title`, `department`, `active`, `schemas`,
//! `meta`, locale and the like, numbers and booleans. Attribute names compare case-insensitively,
//! URN-qualified or not (`urn:…:enterprise:2.0:User:employeeNumber`), with or without a value
//! filter (`emails[type eq "work"].value`).
//!
//! A PATCH body does not say whether it targets a user or a group. One that names `members` is a
//! group's, one that names a user attribute (`name`, `emails`, `active`, …) a user's. A lone
//! `displayName` (Entra sends that shape for both) is learned as a person's name until the value
//! is seen as a group's `displayName` (a group resource, a `/Groups` filter), which takes it back.
//!
//! # Pseudonyms
//!
//! Numbered per kind in order of first sight, zero-padded to 4: `user-0001@example.invalid` for
//! an email (a `userName` equal to an email, ignoring case, gets the same one), `user-0001` for a
//! `userName` that is not an email, `Given0001`, `Family0001`, `Person 0001`, a UUID-shaped
//! `00000000-0000-4000-8000-000000000001` for a UUID id and `id-0001` for any other id,
//! `+1 555 0100 0001`, `1 Example Street`, `Town0001`, `PC-0001`, `Address 0001`, `im-0001`,
//! `https://example.invalid/photos/0001`, `emp-0001`, `Honorific0001`. A value that looks like a
//! pseudonym (or is on `example.invalid`) is never learned, and [`Pseudonyms::apply`] leaves
//! pseudonyms as they are, so applying twice changes nothing more. Values shorter than 3
//! characters, numbers up to 3 digits and `true` / `false` / `null` are never learned: they would
//! change unrelated text.
//!
//! # Matching
//!
//! [`Pseudonyms::apply`] scans the text once, left to right, and at each place takes the longest
//! learned value found there, compared ignoring case, in any mix of literal, URL-encoded (`%40`,
//! `+` or `%20` for a space) and JSON-escaped (`\"`, `\u00e9`) characters, and only as a whole
//! word: a value starting or ending with a letter or digit does not match inside a longer word
//! (`Ann` leaves `Annual` alone). The pseudonym is written in the encoding the value was found in.
//!
//! Pure: no I/O, no clock; imports nothing of the crate (the layering test holds it to that).

use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// A consistent dictionary: each personal value seen gets one pseudonym, used everywhere.
#[derive(Clone, Default)]
pub struct Pseudonyms {
    /// Folded (lowercase) original → what was learned of it.
    learned: HashMap<String, Learned>,
    /// Folded pseudonyms handed out: never learned, kept as they are by `apply`.
    issued: HashSet<String>,
    /// Folded group display names seen: kept, and never learned from an ambiguous PATCH.
    group_names: HashSet<String>,
    /// Every needle `apply` looks for (learned values and pseudonyms).
    candidates: Vec<Candidate>,
    /// Folded first character → candidates starting with it, longest first.
    by_first: HashMap<char, Vec<usize>>,
    /// The last number handed out, per kind.
    counters: [u32; Kind::COUNT],
}

impl fmt::Debug for Pseudonyms {
    /// The count only: the dictionary holds personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pseudonyms")
            .field("values", &self.len())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy)]
struct Learned {
    candidate: usize,
    /// Learned only from an ambiguous `displayName` (a user's or a group's).
    tentative: bool,
}

#[derive(Clone)]
struct Candidate {
    /// Folded characters of the value.
    needle: Vec<char>,
    /// The pseudonym; `None` for a pseudonym itself (kept as it is).
    replacement: Option<String>,
}

/// What a personal value is: the shape of its pseudonym.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A `userName` or an email.
    Login,
    Given,
    Family,
    /// A display, formatted or nick name.
    Person,
    Honorific,
    Id,
    Phone,
    Street,
    Locality,
    PostalCode,
    Address,
    Im,
    Photo,
    EmployeeNumber,
}

impl Kind {
    const COUNT: usize = 14;

    fn pseudonym(self, n: u32, value: &str) -> String {
        match self {
            Kind::Login if value.contains('@') => format!("user-{n:04}@example.invalid"),
            Kind::Login => format!("user-{n:04}"),
            Kind::Given => format!("Given{n:04}"),
            Kind::Family => format!("Family{n:04}"),
            Kind::Person => format!("Person {n:04}"),
            Kind::Honorific => format!("Honorific{n:04}"),
            Kind::Id if is_uuid(value) => format!("00000000-0000-4000-8000-{n:012}"),
            Kind::Id => format!("id-{n:04}"),
            Kind::Phone => format!("+1 555 0100 {n:04}"),
            Kind::Street => format!("{n} Example Street"),
            Kind::Locality => format!("Town{n:04}"),
            Kind::PostalCode => format!("PC-{n:04}"),
            Kind::Address => format!("Address {n:04}"),
            Kind::Im => format!("im-{n:04}"),
            Kind::Photo => format!("https://example.invalid/photos/{n:04}"),
            Kind::EmployeeNumber => format!("emp-{n:04}"),
        }
    }
}

/// Which resource the attributes being learned belong to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Res {
    User,
    Group,
    /// Not said (a PATCH naming only `displayName`, a bare object).
    Unknown,
}

/// Top-level attributes only a user has: a PATCH naming one is a user's.
const USER_ATTRIBUTES: &[&str] = &[
    "username",
    "name",
    "nickname",
    "emails",
    "phonenumbers",
    "addresses",
    "ims",
    "photos",
    "active",
    "title",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "password",
    "profileurl",
    "employeenumber",
    "employeetype",
    "manager",
    "costcenter",
    "organization",
    "division",
    "department",
    "roles",
    "entitlements",
    "x509certificates",
];

/// SCIM filter comparison operators (the value after one is learned).
const COMPARISONS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

impl Pseudonyms {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learn the personal values of a SCIM User or Group resource (as stored or as an IdP sent
    /// it; any JSON). A `ListResponse` is learned resource by resource, a PATCH body (with
    /// `Operations`) as [`Pseudonyms::learn_patch`]. Whether it is a user or a group is read from
    /// `schemas`, else from its attributes (`userName`… / `members`).
    pub fn learn_resource(&mut self, resource: &Value) {
        match resource {
            Value::Array(items) => {
                for item in items {
                    self.learn_resource(item);
                }
            }
            Value::Object(map) => {
                if get_ci(map, "Operations").is_some() {
                    self.learn_patch(resource);
                    return;
                }
                if let Some(resources) = get_ci(map, "Resources") {
                    self.learn_resource(resources);
                    return;
                }
                self.walk("", resource, resource_kind(map));
            }
            _ => {}
        }
    }

    /// Learn the values compared in a SCIM filter, from a raw (URL-encoded or not) query string
    /// or filter, e.g. `filter=userName+eq+%22ada%40contoso.com%22` or `userName eq
    /// "ada@contoso.com"`. A request target (`/scim/v2/Users/{id}?…`) also teaches the user id in
    /// its path, and says whether a `displayName` filter is a user's (`/Users`, learned) or a
    /// group's (`/Groups`, kept).
    pub fn learn_query(&mut self, query: &str) {
        let (path, rest) = split_target(query.trim());
        let lower = path.to_ascii_lowercase();
        let res = if lower.contains("/users") {
            Res::User
        } else if lower.contains("/groups") {
            Res::Group
        } else {
            Res::Unknown
        };
        let mut segments = path.split('/');
        while let Some(segment) = segments.next() {
            if segment.eq_ignore_ascii_case("users") {
                if let Some(id) = segments.next().filter(|s| !s.starts_with('.')) {
                    self.learn_value(&percent_decode(id, false), Kind::Id, false);
                }
                break;
            }
        }
        if rest.is_empty() {
            return;
        }
        let is_query_string = rest.split('&').any(|pair| {
            pair.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%'))
            })
        });
        if is_query_string {
            for (key, value) in rest.split('&').filter_map(|pair| pair.split_once('=')) {
                if percent_decode(key, true).eq_ignore_ascii_case("filter") {
                    self.learn_filter(&percent_decode(value, true), "", res);
                }
            }
        } else {
            // A bare filter: spaces mean it is not form-encoded (a `+` is then a plus).
            let filter = percent_decode(rest, !rest.contains(' '));
            self.learn_filter(&filter, "", res);
        }
    }

    /// Learn values from a PATCH body's operations (`value` objects or strings at paths such as
    /// `userName`, `name.givenName`, `emails[type eq "work"].value`, `externalId`, `displayName`,
    /// Okta's path-less `{"op":"replace","value":{...}}`), and the values compared in path filters
    /// (`members[value eq "…"]`). Takes the whole body or its `Operations` array.
    pub fn learn_patch(&mut self, body: &Value) {
        let ops = match body {
            Value::Array(ops) => ops,
            Value::Object(map) => match get_ci(map, "Operations") {
                Some(Value::Array(ops)) => ops,
                _ => return,
            },
            _ => return,
        };
        let res = patch_kind(ops);
        for op in ops.iter().filter_map(Value::as_object) {
            let value = get_ci(op, "value");
            match get_ci(op, "path").and_then(Value::as_str) {
                Some(path) if !path.trim().is_empty() => {
                    let (attr, filters) = split_path(path);
                    for (parent, filter) in &filters {
                        self.learn_filter(filter, parent, res);
                    }
                    if let Some(v) = value {
                        self.walk(&attr, v, res);
                    }
                }
                _ => {
                    if let Some(v) = value {
                        self.walk("", v, res);
                    }
                }
            }
        }
    }

    /// Replace every learned value inside `text` (a JSON body, a path, a query string, a header
    /// value): also its URL-encoded form (`%40`, `+`/`%20`) and its JSON-escaped form;
    /// case-insensitively (IdPs change the case of a userName between requests); only where the
    /// match is not part of a longer word (an "Ann" pseudonym must not change "Annual" or
    /// "Planning"). Longest values first; pseudonyms already in `text` are left as they are.
    pub fn apply(&self, text: &str) -> String {
        if self.by_first.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut pos = 0;
        while pos < text.len() {
            match self.best_match(text, pos) {
                Some(m) => {
                    out.push_str(&text[copied..pos]);
                    match &self.candidates[m.candidate].replacement {
                        Some(p) => out.push_str(&encode_like(p, &m, text, pos)),
                        None => out.push_str(&text[pos..m.end]),
                    }
                    pos = m.end;
                    copied = pos;
                }
                // Past a whole `%XX` or JSON escape: a value never starts inside one.
                None => pos += decode_at(text, pos).items[0].1.max(1),
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// [`Pseudonyms::apply`] on every string value of `value`. Object keys are attribute names
    /// and stay as they are.
    pub fn apply_json(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                let replaced = self.apply(s);
                if replaced != *s {
                    *s = replaced;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply_json(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.apply_json(v)),
            _ => {}
        }
    }

    /// How many distinct values are replaced.
    pub fn len(&self) -> usize {
        self.learned.len()
    }

    /// Whether nothing is replaced.
    pub fn is_empty(&self) -> bool {
        self.learned.is_empty()
    }

    /// Learn the strings of `value`, found at attribute path `path` (lowercase, URN-free).
    fn walk(&mut self, path: &str, value: &Value, res: Res) {
        match value {
            Value::String(s) => self.learn_attr(path, s, res),
            Value::Array(items) => {
                for item in items {
                    self.walk(path, item, res);
                }
            }
            Value::Object(map) => {
                // userName first, so a user's own login is its first pseudonym of that kind.
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by_key(|(k, _)| !k.eq_ignore_ascii_case("userName"));
                for (key, v) in entries {
                    self.walk(&join(path, &normalize_attr(key)), v, res);
                }
            }
            _ => {}
        }
    }

    fn learn_attr(&mut self, path: &str, value: &str, res: Res) {
        if res == Res::Group && path == "displayname" {
            self.note_group_name(value);
        } else if let Some((kind, tentative)) = classify(path, res) {
            self.learn_value(value, kind, tentative);
        }
    }

    /// Learn the values compared in `filter`, whose attributes are under `parent` (the
    /// attribute a PATCH path filters, `members` in `members[value eq "…"]`).
    fn learn_filter(&mut self, filter: &str, parent: &str, res: Res) {
        let tokens = tokenize(filter);
        let mut parents = vec![parent.to_owned()];
        let mut i = 0;
        while i < tokens.len() {
            let top = parents.last().map_or("", String::as_str);
            match (&tokens[i], tokens.get(i + 1), tokens.get(i + 2)) {
                (Token::Word(w), Some(Token::Open), _) => {
                    parents.push(join(top, &normalize_attr(w)));
                    i += 2;
                }
                (Token::Close, _, _) => {
                    if parents.len() > 1 {
                        parents.pop();
                    }
                    i += 1;
                }
                (Token::Word(attr), Some(Token::Word(op)), Some(Token::Str(v)))
                    if COMPARISONS.iter().any(|c| op.eq_ignore_ascii_case(c)) =>
                {
                    let path = join(top, &normalize_attr(attr));
                    self.learn_attr(&path, v, res);
                    i += 3;
                }
                _ => i += 1,
            }
        }
    }

    /// A group's display name: kept, and taken back if an ambiguous PATCH taught it.
    fn note_group_name(&mut self, value: &str) {
        let key = fold_str(value.trim());
        if let Some(l) = self.learned.get(&key).copied()
            && l.tentative
        {
            self.learned.remove(&key);
            if let Some(first) = self.candidates[l.candidate].needle.first()
                && let Some(bucket) = self.by_first.get_mut(first)
            {
                bucket.retain(|&c| c != l.candidate);
            }
        }
        self.group_names.insert(key);
    }

    fn learn_value(&mut self, raw: &str, kind: Kind, tentative: bool) {
        let value = raw.trim();
        if !learnable(value) {
            return;
        }
        let key = fold_str(value);
        if let Some(l) = self.learned.get_mut(&key) {
            l.tentative &= tentative;
            return;
        }
        if self.issued.contains(&key)
            || pseudonym_shaped(&key)
            || (tentative && self.group_names.contains(&key))
        {
            return;
        }
        let kind = if is_email(value) { Kind::Login } else { kind };
        let counter = &mut self.counters[kind as usize];
        *counter += 1;
        let pseudonym = kind.pseudonym(*counter, value);
        let folded = fold_str(&pseudonym);
        self.add_candidate(&folded, None);
        self.issued.insert(folded);
        let candidate = self.add_candidate(&key, Some(pseudonym));
        self.learned.insert(
            key,
            Learned {
                candidate,
                tentative,
            },
        );
    }

    fn add_candidate(&mut self, folded: &str, replacement: Option<String>) -> usize {
        let needle: Vec<char> = folded.chars().collect();
        let id = self.candidates.len();
        if let Some(&first) = needle.first() {
            let bucket = self.by_first.entry(first).or_default();
            bucket.push(id);
            let candidates = &self.candidates;
            let len = |c: usize| candidates.get(c).map_or(needle.len(), |x| x.needle.len());
            bucket.sort_by_key(|&c| std::cmp::Reverse(len(c)));
        }
        self.candidates.push(Candidate {
            needle,
            replacement,
        });
        id
    }

    /// The longest candidate found at `pos`, as a whole word.
    fn best_match(&self, text: &str, pos: usize) -> Option<Match> {
        let mut best: Option<Match> = None;
        let mut prev_is_word: Option<bool> = None;
        for (c, _, _) in decode_at(text, pos).iter() {
            let first = fold(c);
            let Some(bucket) = self.by_first.get(&first) else {
                continue;
            };
            if is_word(first)
                && *prev_is_word.get_or_insert_with(|| prev_char(text, pos).is_some_and(is_word))
            {
                continue;
            }
            for &id in bucket {
                let needle = &self.candidates[id].needle;
                if best
                    .as_ref()
                    .is_some_and(|b| self.candidates[b.candidate].needle.len() >= needle.len())
                {
                    break;
                }
                let Some((end, flags)) = match_needle(text, pos, needle) else {
                    continue;
                };
                let ends_in_word = needle.last().is_some_and(|&l| is_word(l));
                if ends_in_word && next_char(text, end).is_some_and(is_word) {
                    continue;
                }
                best = Some(Match {
                    candidate: id,
                    end,
                    flags,
                });
                break;
            }
        }
        best
    }
}

/// How a match was found: which encodings its characters were in.
#[derive(Clone, Copy, Default, Debug)]
struct Flags {
    percent: bool,
    plus: bool,
}

struct Match {
    candidate: usize,
    end: usize,
    flags: Flags,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Via {
    Literal,
    /// `+` for a space.
    Plus,
    Percent,
    Json,
}

/// The readings of the character at a position: decoded (percent, JSON escape, `+` as a space)
/// first, then literal.
struct Decoded {
    items: [(char, usize, Via); 2],
    n: usize,
}

impl Decoded {
    fn iter(&self) -> impl Iterator<Item = (char, usize, Via)> + '_ {
        self.items[..self.n].iter().copied()
    }
}

fn decode_at(text: &str, pos: usize) -> Decoded {
    let mut d = Decoded {
        items: [('\0', 0, Via::Literal); 2],
        n: 0,
    };
    let rest = text.get(pos..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return d;
    };
    let decoded = match c {
        '%' => percent_char(rest.as_bytes()).map(|(d, len)| (d, len, Via::Percent)),
        '\\' => json_escape(rest.as_bytes()).map(|(d, len)| (d, len, Via::Json)),
        '+' => Some((' ', 1, Via::Plus)),
        _ => None,
    };
    if let Some(x) = decoded {
        d.items[0] = x;
        d.n = 1;
    }
    d.items[d.n] = (c, c.len_utf8(), Via::Literal);
    d.n += 1;
    d
}

/// Match folded `needle` at `pos`, each character in any encoding (a decoded reading is
/// preferred). Returns the end and how it was encoded.
fn match_needle(text: &str, pos: usize, needle: &[char]) -> Option<(usize, Flags)> {
    let mut at = pos;
    let mut flags = Flags::default();
    for &want in needle {
        let (_, len, via) = decode_at(text, at)
            .iter()
            .find(|(c, _, _)| fold(*c) == want)?;
        match via {
            Via::Percent => flags.percent = true,
            Via::Plus => flags.plus = true,
            Via::Json | Via::Literal => {}
        }
        at += len;
    }
    Some((at, flags))
}

/// The pseudonym, encoded as the value was where it was found.
fn encode_like(pseudonym: &str, m: &Match, text: &str, pos: usize) -> String {
    let b = text.as_bytes();
    let plus_near =
        pos.checked_sub(1).and_then(|i| b.get(i)) == Some(&b'+') || b.get(m.end) == Some(&b'+');
    let percent_near = pos.checked_sub(3).is_some_and(|i| hex_byte(b, i).is_some())
        || hex_byte(b, m.end).is_some();
    if m.flags.percent || (!m.flags.plus && (percent_near || plus_near)) {
        percent_encode(pseudonym, m.flags.plus || plus_near)
    } else if m.flags.plus {
        pseudonym.replace('+', "%2B").replace(' ', "+")
    } else {
        pseudonym.to_owned()
    }
}

fn percent_encode(s: &str, plus_for_space: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' if plus_for_space => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if let Some(byte) = hex_byte(b, i) {
            out.push(byte);
            i += 3;
        } else {
            out.push(if plus_is_space && b[i] == b'+' {
                b' '
            } else {
                b[i]
            });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The byte of a `%XX` at `at`.
fn hex_byte(b: &[u8], at: usize) -> Option<u8> {
    if b.get(at) != Some(&b'%') {
        return None;
    }
    let hi = char::from(*b.get(at + 1)?).to_digit(16)?;
    let lo = char::from(*b.get(at + 2)?).to_digit(16)?;
    u8::try_from(hi * 16 + lo).ok()
}

/// The character of the `%XX` sequence (1 to 4 bytes of UTF-8) at the start of `b`.
fn percent_char(b: &[u8]) -> Option<(char, usize)> {
    let first = hex_byte(b, 0)?;
    let n = match first {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut buf = [first, 0, 0, 0];
    for (k, slot) in buf.iter_mut().enumerate().take(n).skip(1) {
        *slot = hex_byte(b, 3 * k)?;
    }
    let c = std::str::from_utf8(&buf[..n]).ok()?.chars().next()?;
    Some((c, 3 * n))
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?))
}

/// The character of the JSON escape (`\"`, `\n`, `\u00e9`, a surrogate pair) at the start of `b`.
fn json_escape(b: &[u8]) -> Option<(char, usize)> {
    let c = match b.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'n' => '\n',
        b't' => '\t',
        b'r' => '\r',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'u' => {
            let hi = hex4(b, 2)?;
            if (0xD800..0xDC00).contains(&hi) {
                if b.get(6..8) != Some(b"\\u") {
                    return None;
                }
                let lo = hex4(b, 8).filter(|lo| (0xDC00..0xE000).contains(lo))?;
                let c = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?;
                return Some((c, 12));
            }
            return Some((char::from_u32(hi)?, 6));
        }
        _ => return None,
    };
    Some((c, 2))
}

/// Whether the backslash at `at` starts an escape (an odd run of backslashes ends there).
fn is_escape_start(b: &[u8], at: usize) -> bool {
    b[..=at].iter().rev().take_while(|&&x| x == b'\\').count() % 2 == 1
}

/// The character before `pos`, decoded when it ends a `%XX` or JSON escape.
fn prev_char(text: &str, pos: usize) -> Option<char> {
    if pos == 0 {
        return None;
    }
    let b = text.as_bytes();
    let mut bytes = Vec::new();
    let mut p = pos;
    while bytes.len() < 4
        && let Some(byte) = p.checked_sub(3).and_then(|i| hex_byte(b, i))
    {
        bytes.push(byte);
        p -= 3;
    }
    if !bytes.is_empty() {
        bytes.reverse();
        for k in 1..=bytes.len() {
            if let Ok(s) = std::str::from_utf8(&bytes[bytes.len() - k..]) {
                let mut chars = s.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    return Some(c);
                }
            }
        }
        return Some('%');
    }
    if pos >= 6
        && b[pos - 6] == b'\\'
        && b[pos - 5] == b'u'
        && is_escape_start(b, pos - 6)
        && let Some(code) = hex4(b, pos - 4)
    {
        return Some(char::from_u32(code).unwrap_or('\u{FFFD}'));
    }
    if pos >= 2
        && b[pos - 2] == b'\\'
        && matches!(
            b[pos - 1],
            b'"' | b'\\' | b'/' | b'n' | b't' | b'r' | b'b' | b'f'
        )
        && is_escape_start(b, pos - 2)
    {
        return Some(' ');
    }
    text[..pos].chars().next_back()
}

/// The character at `pos`, decoded when it starts a `%XX` or JSON escape.
fn next_char(text: &str, pos: usize) -> Option<char> {
    let d = decode_at(text, pos);
    d.iter()
        .find(|(_, _, via)| *via != Via::Plus)
        .map(|(c, _, _)| c)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn fold_str(s: &str) -> String {
    s.chars().map(fold).collect()
}

/// Whether `value` may be learned: long enough, not a small number, not a JSON literal.
fn learnable(value: &str) -> bool {
    let chars = value.chars().count();
    chars >= 3
        && value.chars().any(is_word)
        && !(chars <= 3 && value.chars().all(|c| c.is_ascii_digit()))
        && !["true", "false", "null"]
            .iter()
            .any(|l| value.eq_ignore_ascii_case(l))
}

/// Whether folded `v` has the shape of a pseudonym (then it is never learned).
fn pseudonym_shaped(v: &str) -> bool {
    const NUMBERED: &[&str] = &[
        "user-",
        "given",
        "family",
        "person ",
        "honorific",
        "id-",
        "+1 555 0100 ",
        "town",
        "pc-",
        "address ",
        "im-",
        "emp-",
        "00000000-0000-4000-8000-",
    ];
    let digits = |s: &str, min: usize| s.len() >= min && s.bytes().all(|b| b.is_ascii_digit());
    v.contains("example.invalid")
        || NUMBERED
            .iter()
            .any(|p| v.strip_prefix(p).is_some_and(|rest| digits(rest, 4)))
        || v.strip_suffix(" example street")
            .is_some_and(|n| digits(n, 1))
}

fn is_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !v.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn is_uuid(v: &str) -> bool {
    v.len() == 36
        && v.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// What a string at attribute path `path` (lowercase, URN-free, filters removed) is: its kind,
/// and whether it is only tentatively personal. `None`: kept.
fn classify(path: &str, res: Res) -> Option<(Kind, bool)> {
    if path.split('.').any(|segment| segment.contains("role")) {
        return None;
    }
    let kind = match path {
        "username" | "emails" | "emails.value" | "emails.display" => Kind::Login,
        "externalid" | "manager" | "manager.value" | "members.value" => Kind::Id,
        "id" if res == Res::User => Kind::Id,
        "displayname" => match res {
            Res::User => Kind::Person,
            Res::Unknown => return Some((Kind::Person, true)),
            Res::Group => return None,
        },
        "name" if res == Res::User => Kind::Person,
        "nickname" | "name.formatted" | "manager.displayname" | "members.display" => Kind::Person,
        "name.givenname" | "name.middlename" => Kind::Given,
        "name.familyname" => Kind::Family,
        "name.honorificprefix" | "name.honorificsuffix" => Kind::Honorific,
        "phonenumbers" | "phonenumbers.value" | "phonenumbers.display" => Kind::Phone,
        "addresses.streetaddress" => Kind::Street,
        "addresses.locality" => Kind::Locality,
        "addresses.postalcode" => Kind::PostalCode,
        "addresses.formatted" => Kind::Address,
        "ims" | "ims.value" | "ims.display" => Kind::Im,
        "photos" | "photos.value" => Kind::Photo,
        "employeenumber" => Kind::EmployeeNumber,
        _ => return None,
    };
    Some((kind, false))
}

/// User or group, from `schemas`, else from the attributes present.
fn resource_kind(map: &Map<String, Value>) -> Res {
    if let Some(Value::Array(schemas)) = get_ci(map, "schemas") {
        for s in schemas.iter().filter_map(Value::as_str) {
            let s = s.to_ascii_lowercase();
            if s.ends_with(":core:2.0:user") {
                return Res::User;
            }
            if s.ends_with(":core:2.0:group") {
                return Res::Group;
            }
        }
    }
    let names: Vec<String> = map.keys().map(|k| normalize_attr(k)).collect();
    let top = |n: &String| n.split('.').next().unwrap_or("").to_owned();
    if names.iter().any(|n| top(n) == "members") {
        Res::Group
    } else if names
        .iter()
        .any(|n| USER_ATTRIBUTES.contains(&top(n).as_str()))
    {
        Res::User
    } else {
        Res::Unknown
    }
}

/// Whether a PATCH's operations target a group (`members`), a user (a user attribute) or do
/// not say.
fn patch_kind(ops: &[Value]) -> Res {
    let mut res = Res::Unknown;
    for op in ops.iter().filter_map(Value::as_object) {
        let mut attrs = Vec::new();
        match get_ci(op, "path").and_then(Value::as_str) {
            Some(path) if !path.trim().is_empty() => {
                let (attr, filters) = split_path(path);
                attrs.push(filters.first().map_or(attr, |(parent, _)| parent.clone()));
            }
            _ => {
                if let Some(Value::Object(value)) = get_ci(op, "value") {
                    attrs.extend(value.keys().map(|k| normalize_attr(k)));
                }
            }
        }
        for attr in attrs {
            let top = attr.split('.').next().unwrap_or("");
            if top == "members" {
                return Res::Group;
            }
            if USER_ATTRIBUTES.contains(&top) {
                res = Res::User;
            }
        }
    }
    res
}

/// A request target split into its path and its query (`("", text)` when it is not a target).
fn split_target(s: &str) -> (&str, &str) {
    if let Some((head, query)) = s.split_once('?')
        && !head.contains(['"', ' '])
    {
        return (head, query);
    }
    if (s.starts_with('/') || s.starts_with("http")) && !s.contains(['"', ' ']) {
        return (s, "");
    }
    ("", s)
}

/// An attribute name as compared: the part after a schema URN, lowercase
/// (`urn:…:enterprise:2.0:User:employeeNumber` → `employeenumber`; the bare schema URN → ``).
fn normalize_attr(name: &str) -> String {
    let name = name.trim();
    let is_urn = name
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    if !is_urn {
        return name.to_lowercase();
    }
    let parts: Vec<&str> = name.split(':').collect();
    let version = parts.iter().position(|p| {
        p.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        })
    });
    match version {
        // The segment after the version is the resource type; the attribute follows it.
        Some(i) => {
            let skip: usize = parts.iter().take(i + 2).map(|p| p.len() + 1).sum();
            name.get(skip..).unwrap_or("").to_lowercase()
        }
        None => String::new(),
    }
}

fn join(path: &str, key: &str) -> String {
    match (path.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (_, true) => path.to_owned(),
        _ => format!("{path}.{key}"),
    }
}

/// A PATCH path without its value filters, normalized (`emails[type eq "work"].value` →
/// `emails.value`), and each filter with the attribute it filters (`("emails", "type eq
/// \"work\"")`).
fn split_path(path: &str) -> (String, Vec<(String, String)>) {
    let mut plain = String::new();
    let mut filters = Vec::new();
    let mut filter = String::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in path.chars() {
        if depth == 0 {
            if c == '[' {
                depth = 1;
                filter.clear();
            } else {
                plain.push(c);
            }
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            filter.push(c);
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                filter.push(c);
            }
            '[' => {
                depth += 1;
                filter.push(c);
            }
            ']' => {
                depth -= 1;
                if depth == 0 {
                    filters.push((normalize_attr(&plain), std::mem::take(&mut filter)));
                } else {
                    filter.push(c);
                }
            }
            _ => filter.push(c),
        }
    }
    (normalize_attr(&plain), filters)
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
}

/// A SCIM filter's words, string literals (unescaped) and brackets; parentheses are dropped.
fn tokenize(filter: &str) -> Vec<Token> {
    let chars: Vec<char> = filter.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            c if c.is_whitespace() || c == '(' || c == ')' => i += 1,
            '[' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ']' => {
                tokens.push(Token::Close);
                i += 1;
            }
            '"' => {
                let start = i;
                i += 1;
                let mut escaped = false;
                while i < chars.len() && (escaped || chars[i] != '"') {
                    escaped = !escaped && chars[i] == '\\';
                    i += 1;
                }
                let inner: String = chars[start + 1..i.min(chars.len())].iter().collect();
                i += 1;
                let text = serde_json::from_str::<String>(&format!("\"{inner}\"")).unwrap_or(inner);
                tokens.push(Token::Str(text));
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !"\"[]()".contains(chars[i]) {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    tokens
}

fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests;
