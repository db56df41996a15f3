//! Tests of `filter/parser.rs`.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::error::ScimType;
use crate::quirks::Mode;
use ResourceKind::{Group, User};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn parse(input: &str) -> Filter {
    parse_with(input, User, Mode::Tolerant)
        .0
        .unwrap_or_else(|e| panic!("{input}: {e}"))
}

fn parse_with(input: &str, kind: ResourceKind, mode: Mode) -> (Result<Filter>, Quirks) {
    let mut q = Quirks::new(mode);
    let r = parse_filter(input, kind, &mut q);
    (r, q)
}

/// The error for `input` (tolerant mode); asserts it is a 400 invalidFilter.
fn error(input: &str) -> String {
    let e = parse_with(input, User, Mode::Tolerant).0.expect_err(input);
    assert_eq!(
        (e.status, e.scim_type),
        (400, Some(ScimType::InvalidFilter)),
        "{input}"
    );
    e.detail
}

fn assert_error(input: &str, expected: &str) {
    let detail = error(input);
    assert!(
        detail.contains(expected),
        "{input}: got '{detail}', expected it to contain '{expected}'"
    );
    assert!(detail.starts_with("invalid filter '"), "{detail}");
}

fn path(s: &str) -> AttrPath {
    split_path(s).unwrap()
}

fn cmp(p: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: path(p),
        op,
        value,
    }
}

fn s(v: &str) -> CompValue {
    CompValue::Str(v.to_owned())
}

fn pr(p: &str) -> Filter {
    Filter::Present(path(p))
}

fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}

fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}

fn vp(p: &str, f: Filter) -> Filter {
    Filter::ValuePath {
        path: path(p),
        filter: Box::new(f),
    }
}

#[test]
fn every_operator_in_any_case() {
    let ops = [
        ("eq", CompareOp::Eq),
        ("ne", CompareOp::Ne),
        ("co", CompareOp::Co),
        ("sw", CompareOp::Sw),
        ("ew", CompareOp::Ew),
        ("gt", CompareOp::Gt),
        ("ge", CompareOp::Ge),
        ("lt", CompareOp::Lt),
        ("le", CompareOp::Le),
    ];
    for (word, op) in ops {
        for spelled in [
            word.to_owned(),
            word.to_uppercase(),
            format!("{}{}", &word[..1].to_uppercase(), &word[1..]),
        ] {
            let f = parse(&format!("userName {spelled} \"x\""));
            assert_eq!(f, cmp("userName", op, s("x")), "{spelled}");
        }
    }
    assert_eq!(parse("title pr"), pr("title"));
    assert_eq!(parse("title PR"), pr("title"));
}

#[test]
fn attribute_names_and_keywords_are_case_insensitive_and_kept_as_written() {
    assert_eq!(
        parse("USERNAME EQ \"x\""),
        cmp("USERNAME", CompareOp::Eq, s("x"))
    );
    assert_eq!(
        parse("a pr AND b pr OR c pr"),
        or(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(parse("NOT (a pr)"), Filter::Not(Box::new(pr("a"))));
    // Case-insensitive schema lookup still drives coercion.
    assert_eq!(
        parse("ACTIVE eq \"TRUE\""),
        cmp("ACTIVE", CompareOp::Eq, CompValue::Bool(true))
    );
}

#[test]
fn precedence_not_over_and_over_or() {
    assert_eq!(
        parse("a pr or b pr and c pr"),
        or(pr("a"), and(pr("b"), pr("c")))
    );
    assert_eq!(
        parse("a pr and b pr or c pr"),
        or(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr and b pr and c pr"),
        and(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr or b pr or c pr"),
        or(or(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("(a pr or b pr) and c pr"),
        and(or(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("not (a pr) and b pr"),
        and(Filter::Not(Box::new(pr("a"))), pr("b"))
    );
    assert_eq!(
        parse("not(a pr or b pr)"),
        Filter::Not(Box::new(or(pr("a"), pr("b"))))
    );
    assert_eq!(parse("((((a pr))))"), pr("a"));
    assert_eq!(parse("  a pr\t\n"), pr("a"));
}

#[test]
fn value_paths_and_sub_attributes() {
    assert_eq!(
        parse(r#"emails[type eq "work" and value co "@"]"#),
        vp(
            "emails",
            and(
                cmp("type", CompareOp::Eq, s("work")),
                cmp("value", CompareOp::Co, s("@"))
            )
        )
    );
    assert_eq!(
        parse(r#"emails[not (type eq "work")] or name.familyName sw "J""#),
        or(
            vp(
                "emails",
                Filter::Not(Box::new(cmp("type", CompareOp::Eq, s("work"))))
            ),
            cmp("name.familyName", CompareOp::Sw, s("J"))
        )
    );
    let p = path("name.familyName");
    assert_eq!(
        (p.urn, p.name.as_str(), p.sub.as_deref()),
        (None, "name", Some("familyName"))
    );
    let (f, _) = parse_with(r#"members[value eq "abc"]"#, Group, Mode::Strict);
    assert_eq!(
        f.unwrap(),
        vp("members", cmp("value", CompareOp::Eq, s("abc")))
    );
}

#[test]
fn microsofts_value_path_then_sub_attribute_form() {
    let want = vp(
        "emails",
        and(
            cmp("type", CompareOp::Eq, s("work")),
            cmp("value", CompareOp::Eq, s("user@contoso.com")),
        ),
    );
    assert_eq!(
        parse(r#"emails[type eq "work"].value eq "user@contoso.com""#),
        want
    );
    assert_eq!(
        parse(r#"emails[type eq "work"].value pr"#),
        vp(
            "emails",
            and(cmp("type", CompareOp::Eq, s("work")), pr("value"))
        )
    );
    // It is an ordinary term: it combines with others.
    let f = parse(r#"emails[type eq "work"].value eq "a" and userName eq "b""#);
    assert!(
        matches!(f, Filter::And(ref l, _) if matches!(**l, Filter::ValuePath { .. })),
        "{f:?}"
    );
    // The sub-attribute is typed under the parent: string booleans coerce.
    assert_eq!(
        parse(r#"roles[type eq "x"].primary eq "True""#),
        vp(
            "roles",
            and(
                cmp("type", CompareOp::Eq, s("x")),
                cmp("primary", CompareOp::Eq, CompValue::Bool(true))
            )
        )
    );
}

#[test]
fn urn_qualified_paths() {
    let f = parse(&format!("{ENT}:employeeNumber eq \"7\""));
    let want = AttrPath {
        urn: Some(ENT.into()),
        name: "employeeNumber".into(),
        sub: None,
    };
    assert_eq!(
        f,
        Filter::Compare {
            path: want,
            op: CompareOp::Eq,
            value: s("7")
        }
    );

    let f = parse(&format!("{ENT}:manager.value eq \"x\""));
    let want = AttrPath {
        urn: Some(ENT.into()),
        name: "manager".into(),
        sub: Some("value".into()),
    };
    assert_eq!(
        f,
        Filter::Compare {
            path: want,
            op: CompareOp::Eq,
            value: s("x")
        }
    );

    let f = parse(&format!("{ENT}:manager[value eq \"x\"]"));
    let want = AttrPath {
        urn: Some(ENT.into()),
        name: "manager".into(),
        sub: None,
    };
    assert_eq!(
        f,
        Filter::ValuePath {
            path: want,
            filter: Box::new(cmp("value", CompareOp::Eq, s("x")))
        }
    );

    let core = "urn:ietf:params:scim:schemas:core:2.0:User";
    let f = parse(&format!("{core}:userName eq \"x\""));
    let want = AttrPath {
        urn: Some(core.into()),
        name: "userName".into(),
        sub: None,
    };
    assert_eq!(
        f,
        Filter::Compare {
            path: want,
            op: CompareOp::Eq,
            value: s("x")
        }
    );

    // A whole extension names the extension object itself.
    assert_eq!(
        parse(&format!("{ENT} pr")),
        Filter::Present(AttrPath::simple(ENT))
    );
    // URN lookups are case-insensitive, so string booleans and numbers coerce there too.
    let f = parse(&format!("{}:employeeNumber eq 0042", ENT.to_uppercase()));
    assert!(
        matches!(f, Filter::Compare { value: CompValue::Str(ref v), .. } if v == "0042"),
        "{f:?}"
    );
}

#[test]
fn unquoted_values_are_tolerated_and_labelled() {
    let (f, q) = parse_with("externalId eq jyoung", User, Mode::Tolerant);
    assert_eq!(f.unwrap(), cmp("externalId", CompareOp::Eq, s("jyoung")));
    assert_eq!(q.as_slice(), &[Quirk::UnquotedFilterValue]);

    let (f, q) = parse_with(
        "userName eq Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
        User,
        Mode::Tolerant,
    );
    assert_eq!(
        f.unwrap(),
        cmp(
            "userName",
            CompareOp::Eq,
            s("Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee")
        )
    );
    assert!(q.contains(Quirk::UnquotedFilterValue));

    // A number against a string attribute keeps its text (leading zeros matter in ids).
    let (f, q) = parse_with("externalId eq 00123", User, Mode::Tolerant);
    assert_eq!(f.unwrap(), cmp("externalId", CompareOp::Eq, s("00123")));
    assert!(q.contains(Quirk::UnquotedFilterValue));

    let (e, q) = parse_with("externalId eq jyoung", User, Mode::Strict);
    let e = e.unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    assert!(
        e.detail.contains("the value 'jyoung' must be quoted"),
        "{}",
        e.detail
    );
    assert!(
        e.detail.contains("externalId eq \"jyoung\""),
        "{}",
        e.detail
    );
    assert!(q.as_slice().is_empty());
}

#[test]
fn rfc_literals_are_not_quirks() {
    for (input, value) in [
        ("active eq true", CompValue::Bool(true)),
        ("active eq FALSE", CompValue::Bool(false)),
        ("nickName eq null", CompValue::Null),
        ("loginCount gt 42", CompValue::Number(42.into())),
        (
            "score le -1.5e3",
            CompValue::Number(serde_json::Number::from_f64(-1500.0).unwrap()),
        ),
    ] {
        let (f, q) = parse_with(input, User, Mode::Strict);
        let Filter::Compare { value: got, .. } = f.unwrap() else {
            panic!("{input}")
        };
        assert_eq!(got, value, "{input}");
        assert!(q.as_slice().is_empty(), "{input}: {:?}", q.labels());
    }
    // Not a json number: a bare word.
    let (f, q) = parse_with("score eq 01", User, Mode::Tolerant);
    assert_eq!(f.unwrap(), cmp("score", CompareOp::Eq, s("01")));
    assert!(q.contains(Quirk::UnquotedFilterValue));
}

#[test]
fn string_booleans_against_boolean_attributes() {
    let (f, q) = parse_with(r#"active eq "true""#, User, Mode::Tolerant);
    assert_eq!(
        f.unwrap(),
        cmp("active", CompareOp::Eq, CompValue::Bool(true))
    );
    assert_eq!(q.as_slice(), &[Quirk::StringBoolean]);

    let (f, q) = parse_with(r#"roles[primary eq "True"]"#, User, Mode::Tolerant);
    assert_eq!(
        f.unwrap(),
        vp(
            "roles",
            cmp("primary", CompareOp::Eq, CompValue::Bool(true))
        )
    );
    assert!(q.contains(Quirk::StringBoolean));

    let (f, _) = parse_with(r#"emails.primary ne "False""#, User, Mode::Tolerant);
    assert_eq!(
        f.unwrap(),
        cmp("emails.primary", CompareOp::Ne, CompValue::Bool(false))
    );

    // Not a boolean attribute, or not a boolean word: left alone, nothing recorded.
    for input in [
        r#"displayName eq "true""#,
        r#"active eq "yes""#,
        r#"custom eq "True""#,
    ] {
        let (f, q) = parse_with(input, User, Mode::Strict);
        assert!(
            matches!(
                f.unwrap(),
                Filter::Compare {
                    value: CompValue::Str(_),
                    ..
                }
            ),
            "{input}"
        );
        assert!(q.as_slice().is_empty(), "{input}");
    }
    // Group has no `active`: no coercion.
    let (f, _) = parse_with(r#"active eq "true""#, Group, Mode::Strict);
    assert_eq!(f.unwrap(), cmp("active", CompareOp::Eq, s("true")));

    let (e, _) = parse_with(r#"roles[primary eq "True"]"#, User, Mode::Strict);
    let e = e.unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    assert!(
        e.detail
            .contains("'primary' is a boolean, got the string \"True\""),
        "{}",
        e.detail
    );
}

#[test]
fn quirks_of_a_rejected_filter_are_not_recorded() {
    let (r, q) = parse_with("externalId eq jyoung and", User, Mode::Tolerant);
    assert!(r.is_err());
    assert!(q.as_slice().is_empty());
}

#[test]
fn dates_numbers_and_escapes() {
    assert_eq!(
        parse(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#),
        cmp(
            "meta.lastModified",
            CompareOp::Gt,
            s("2011-05-13T04:42:34Z")
        )
    );
    assert_eq!(
        parse("x ge 0"),
        cmp("x", CompareOp::Ge, CompValue::Number(0.into()))
    );
    assert_eq!(
        parse(r#"displayName eq "a \"q\" \\ \u00e9 \/ \n""#),
        cmp("displayName", CompareOp::Eq, s("a \"q\" \\ \u{e9} / \n"))
    );
    assert_eq!(
        parse(r#"displayName eq "(a) [b] and or""#),
        cmp("displayName", CompareOp::Eq, s("(a) [b] and or"))
    );
    assert_eq!(
        parse("displayName eq \"日本語 😀\""),
        cmp("displayName", CompareOp::Eq, s("日本語 😀"))
    );
}

#[test]
fn error_messages_name_the_bad_input() {
    assert_eq!(
        error("userName eq"),
        "invalid filter 'userName eq': missing comparison value after 'eq': write e.g. userName eq \"value\""
    );
    assert_eq!(
        error(r#"userName xx "a""#),
        r#"invalid filter 'userName xx "a"': unknown operator 'xx' (use eq, ne, co, sw, ew, gt, ge, lt, le or pr)"#
    );
    assert_error("", "the filter is empty");
    assert_error("  \t ", "the filter is empty");
    assert_error("userName eq )", "missing comparison value after 'eq'");
    assert_error(
        "userName eq and b pr",
        "missing comparison value after 'eq'",
    );
    assert_error("userName", "missing operator after 'userName'");
    assert_error(
        r#"userName "x""#,
        "missing operator after 'userName', found the string \"x\" at character 10",
    );
    assert_error(
        "(userName pr",
        "missing ')' to close the '(' at character 1",
    );
    assert_error("userName pr)", "unmatched ')' at character 12");
    assert_error("userName pr]", "unmatched ']' at character 12");
    assert_error(
        "(userName pr]",
        "unexpected ']' at character 13: expected 'and', 'or' or the ')'",
    );
    assert_error(
        r#"emails[type eq "a""#,
        "missing ']' to close 'emails[' at character 7",
    );
    assert_error(
        r#"emails[type eq "a")"#,
        "unexpected ')' at character 19: expected 'and', 'or' or the ']' closing 'emails['",
    );
    assert_error(
        "userName pr foo",
        "unexpected 'foo' at character 13 after a complete filter",
    );
    assert_error(
        r#"userName eq "a" "b""#,
        "unexpected the string \"b\" at character 17",
    );
    assert_error(
        "emails[type[value pr] pr]",
        "nested value filter 'type[' at character 12 inside 'emails[...]'",
    );
    assert_error(
        "name.givenName[value pr]",
        "not to the sub-attribute 'name.givenName'",
    );
    assert_error(
        r#"emails[value.x eq "a"]"#,
        "'value.x' inside 'emails[...]' must be a sub-attribute name of 'emails'",
    );
    assert_error(
        r#"emails[type eq "work"] eq "x""#,
        "'emails[...]' cannot be compared directly with 'eq'",
    );
    assert_error(
        r#"emails[type eq "work"].value"#,
        "missing operator after 'emails[...].value'",
    );
    assert_error(
        r#"emails[type eq "work"].1x eq "a""#,
        "'1x' is not a valid attribute name",
    );
    assert_error(
        "not userName pr",
        "'not' at character 1 must be followed by a filter in parentheses",
    );
    assert_error("and userName pr", "unexpected 'and' at character 1");
    assert_error("a pr and or b pr", "unexpected 'or' at character 10");
    assert_error("userName pr and", "missing filter after 'and' (at the end)");
    assert_error(
        "(userName pr or )",
        "missing filter after 'or' (before ')' at character 17)",
    );
    assert_error("()", "empty parentheses at character 1");
    assert_error("emails[]", "empty value filter at character 7");
    assert_error(
        r#""userName" eq "x""#,
        "found the string \"userName\": attribute names are not quoted",
    );
    assert_error("[a pr]", "'[' at character 1 must follow an attribute name");
    assert_error(")", "expected a filter before ')' at character 1");
    assert_error(r#"1abc eq "x""#, "'1abc' is not a valid attribute name");
    assert_error(
        r#"name.given.x eq "x""#,
        "'name.given.x' has more than one '.'",
    );
    assert_error(r#"name. eq "x""#, "'name.' has an empty attribute name");
    assert_error(
        r#"userName eq "abc"#,
        "unterminated string starting at character 13",
    );
    assert_error(
        r#"userName eq "a\qb""#,
        r#"invalid string "a\qb" at character 13"#,
    );
    assert_error("userName eq \"a\u{1}\"", "invalid string");
}

#[test]
fn long_inputs_are_clipped_in_messages() {
    let long = format!("userName eq \"{}", "é".repeat(10_000));
    let detail = error(&long);
    assert!(
        detail.chars().count() < 400,
        "{} chars",
        detail.chars().count()
    );
    assert!(detail.contains("unterminated string"));
}

#[test]
fn nesting_and_size_are_capped() {
    let ok = format!("{}a pr{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(parse(&ok), pr("a"));
    let deep = format!(
        "{}a pr{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert_error(&deep, "nests more than 64 levels");
    assert_error(
        &format!("{}a pr{}", "(".repeat(10_000), ")".repeat(10_000)),
        "nests more than 64 levels",
    );
    assert_error(&"not (".repeat(10_000), "nests more than 64 levels");
    assert_error(
        &format!("x[{}", "(".repeat(100)),
        "nests more than 64 levels",
    );

    let terms = |n: usize| vec!["a pr"; n].join(" and ");
    assert!(parse_with(&terms(MAX_TERMS), User, Mode::Strict).0.is_ok());
    // The largest accepted trees evaluate (and drop) without exhausting the stack.
    let chain = vec!["missing eq \"x\""; MAX_TERMS].join(" or ");
    assert!(!parse(&chain).matches(&serde_json::json!({"a": 1}), User));
    let nested = format!("{}a pr{}", "not (".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse(&nested).matches(&serde_json::json!({"a": 1}), User));
    assert_error(&terms(MAX_TERMS + 1), "more than 1000 comparisons");
    assert_error(&terms(100_000), "more than 1000 comparisons");
}

/// A tiny deterministic generator for the fuzz sweep.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % 1_000_003).unwrap_or_default()
    }
}

fn exercise(input: &str) {
    let resource = serde_json::json!({
        "userName": "a", "emails": [{"value": "x", "type": "work"}, "y"], "active": "True",
        "meta": {"lastModified": "2011-05-13T04:42:34Z"}, "n": 5,
        ENT: {"manager": {"value": "m"}},
    });
    for mode in [Mode::Tolerant, Mode::Strict] {
        for kind in [User, Group] {
            let mut q = Quirks::new(mode);
            if let Ok(f) = parse_filter(input, kind, &mut q) {
                let _ = f.matches(&resource, kind);
                let _ = f.matches(&serde_json::Value::Null, kind);
                let _ = f.matches_element(&resource, kind, &AttrPath::simple("emails"));
            }
            if let Ok(p) = parse_patch_path(input, kind, &mut q)
                && let Some(f) = p.filter
            {
                let _ = f.matches_element(&resource["emails"][0], kind, &p.attr);
            }
        }
    }
    let _ = parse_attr_path(input);
}

#[test]
fn no_panic_on_nasty_inputs() {
    let nasty = [
        "",
        " ",
        "(",
        ")",
        "[",
        "]",
        "a[",
        "a]",
        "a eq",
        "\"",
        "\"\\",
        "\\",
        "not",
        "not (",
        "not ()",
        "and",
        "or",
        "pr",
        "a pr pr",
        "a eq eq",
        "a[b[c eq 1]]",
        "a[]",
        "a[b eq 1].",
        "a[b eq 1].c",
        "a[b eq 1]..c",
        ".a eq 1",
        "a.b.c pr",
        "urn:",
        "urn:a",
        "urn:a:",
        "urn::: pr",
        "urn:x:y[z eq 1].w eq 2",
        ":a pr",
        "a eq \"\\u\"",
        "a eq \"\\ud83d\"",
        "a eq \"\\uZZZZ\"",
        "a eq 1e999",
        "a eq -",
        "a eq 0x10",
        "é eq 1",
        "a eq é",
        "😀",
        "a eq \"😀\"",
        "\u{202e}a pr",
        "a\u{0}b pr",
        "a eq \u{0}",
        "a\u{301} pr",
        "ＡＮＤ",
        "a pr and",
        "a pr or",
        "(a pr",
        "a pr)",
        "((a pr)",
        "a[b pr",
        "a[b pr)",
        "a(b) pr",
        "a eq (b)",
        "emails[type eq \"work\"] eq \"x\"",
        "emails[type eq \"work\"].value eq",
        "emails[type eq \"work\"]value",
        "meta.lastModified gt \"not a date\"",
        "n gt \"abc\"",
        "n co 5",
        "active gt true",
        "emails eq null",
    ];
    for input in nasty {
        exercise(input);
    }
    exercise(&"(".repeat(10_000));
    exercise(&")".repeat(10_000));
    exercise(&"[".repeat(10_000));
    exercise(&"a[".repeat(10_000));
    exercise(&"not (".repeat(10_000));
    exercise(&format!("{}a pr{}", "(".repeat(10_000), ")".repeat(10_000)));
    exercise(&"\"".repeat(10_001));
    exercise(&"a pr or ".repeat(20_000));

    let atoms = [
        "a",
        "emails",
        "value",
        "type",
        ".value",
        "name.givenName",
        "urn:x:y:z",
        ENT,
        " ",
        " ",
        " ",
        "(",
        ")",
        "[",
        "]",
        "\"",
        "\\",
        "\"q\"",
        "eq",
        "ne",
        "co",
        "gt",
        "pr",
        "and",
        "or",
        "not",
        "true",
        "null",
        "1",
        "-2.5",
        "é",
        "😀",
        "\u{0}",
        "\u{feff}",
        "\u{202e}",
        "ß",
        "İ",
        "\t",
        "\n",
        ":",
        ".",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..4000 {
        let len = rng.next() % 12;
        let input: String = (0..len).map(|_| atoms[rng.next() % atoms.len()]).collect();
        exercise(&input);
    }
}

#[test]
fn patch_paths() {
    let pp = |input: &str, kind| {
        let mut q = Quirks::new(Mode::Tolerant);
        let p = parse_patch_path(input, kind, &mut q).unwrap_or_else(|e| panic!("{input}: {e}"));
        (p, q)
    };
    let (p, _) = pp("displayName", User);
    assert_eq!(
        p,
        PatchPath {
            attr: AttrPath::simple("displayName"),
            filter: None,
            sub_after_filter: None
        }
    );
    let (p, _) = pp(" name.givenName ", User);
    assert_eq!(p.attr, path("name.givenName"));
    assert_eq!((p.filter, p.sub_after_filter), (None, None));

    let (p, _) = pp(&format!("{ENT}:employeeNumber"), User);
    assert_eq!(
        p.attr,
        AttrPath {
            urn: Some(ENT.into()),
            name: "employeeNumber".into(),
            sub: None
        }
    );
    let (p, _) = pp(&format!("{ENT}:manager.value"), User);
    assert_eq!(
        p.attr,
        AttrPath {
            urn: Some(ENT.into()),
            name: "manager".into(),
            sub: Some("value".into())
        }
    );
    let (p, _) = pp(ENT, User);
    assert_eq!(p.attr, AttrPath::simple(ENT));

    let (p, q) = pp(r#"members[value eq "7f4bc1a3"]"#, Group);
    assert_eq!(p.attr, AttrPath::simple("members"));
    assert_eq!(p.filter, Some(cmp("value", CompareOp::Eq, s("7f4bc1a3"))));
    assert_eq!(p.sub_after_filter, None);
    assert!(q.as_slice().is_empty());

    let (p, _) = pp(r#"emails[type eq "work"].value"#, User);
    assert_eq!(p.attr, AttrPath::simple("emails"));
    assert_eq!(p.filter, Some(cmp("type", CompareOp::Eq, s("work"))));
    assert_eq!(p.sub_after_filter.as_deref(), Some("value"));

    let (p, _) = pp(&format!("{ENT}:manager[value eq \"x\"]"), User);
    assert_eq!(
        p.attr,
        AttrPath {
            urn: Some(ENT.into()),
            name: "manager".into(),
            sub: None
        }
    );

    let (p, q) = pp("members[value eq 7f4bc1a3-x]", Group);
    assert_eq!(p.filter, Some(cmp("value", CompareOp::Eq, s("7f4bc1a3-x"))));
    assert_eq!(q.as_slice(), &[Quirk::UnquotedFilterValue]);

    let (p, q) = pp(r#"roles[primary eq "True"]"#, User);
    assert_eq!(
        p.filter,
        Some(cmp("primary", CompareOp::Eq, CompValue::Bool(true)))
    );
    assert_eq!(q.as_slice(), &[Quirk::StringBoolean]);
}

#[test]
fn patch_path_errors_are_invalid_path() {
    let cases = [
        ("", "the path is empty"),
        ("   ", "the path is empty"),
        (r#"emails[type eq "work""#, "missing ']' to close 'emails['"),
        (
            r#"emails[type eq "work"].value eq "x""#,
            "unexpected 'eq' at character 30",
        ),
        (
            "name.givenName[value pr]",
            "not to the sub-attribute 'name.givenName'",
        ),
        ("display Name", "unexpected 'Name' at character 9"),
        (
            r#""displayName""#,
            "expected an attribute name at character 1, found the string \"displayName\"",
        ),
        ("a.b.c", "'a.b.c' has more than one '.'"),
        (
            "emails[type eq \"work\"].",
            "'.' has an empty attribute name",
        ),
        (
            "emails[type eq \"work\"].value.x",
            "'value.x' is not a valid attribute name",
        ),
        ("members[value eq \"a\"] x", "unexpected 'x'"),
        ("userName)", "unmatched ')' at character 9"),
        ("emails[value[type pr]]", "nested value filter"),
    ];
    for (input, expected) in cases {
        let e = parse_patch_path(input, User, &mut Quirks::new(Mode::Tolerant)).expect_err(input);
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidPath)),
            "{input}"
        );
        assert!(e.detail.starts_with("invalid path '"), "{}", e.detail);
        assert!(
            e.detail.contains(expected),
            "{input}: got '{}', expected '{expected}'",
            e.detail
        );
    }
    let mut q = Quirks::new(Mode::Strict);
    let e = parse_patch_path("members[value eq abc]", Group, &mut q).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    assert!(
        e.detail.contains("the value 'abc' must be quoted"),
        "{}",
        e.detail
    );
    assert!(q.as_slice().is_empty());
}

#[test]
fn attribute_paths() {
    assert_eq!(
        parse_attr_path("userName").unwrap(),
        AttrPath::simple("userName")
    );
    assert_eq!(
        parse_attr_path(" name.givenName").unwrap(),
        path("name.givenName")
    );
    assert_eq!(
        parse_attr_path("emails.value").unwrap().sub.as_deref(),
        Some("value")
    );
    let p = parse_attr_path(&format!("{ENT}:department")).unwrap();
    assert_eq!(
        p,
        AttrPath {
            urn: Some(ENT.into()),
            name: "department".into(),
            sub: None
        }
    );
    assert_eq!(parse_attr_path(ENT).unwrap(), AttrPath::simple(ENT));
    let custom = "urn:ietf:params:scim:schemas:extension:Acme:2.0:User";
    assert_eq!(parse_attr_path(custom).unwrap(), AttrPath::simple(custom));
    let p = parse_attr_path(&format!("{custom}:badge")).unwrap();
    assert_eq!((p.urn.as_deref(), p.name.as_str()), (Some(custom), "badge"));

    for (input, expected) in [
        ("", "the path is empty"),
        ("user name", "' ' is not allowed in an attribute path"),
        ("emails[type eq \"work\"]", "'[' is not allowed"),
        ("a.b.c", "more than one '.'"),
        ("1a", "'1a' is not a valid attribute name"),
        (".a", "'.a' has an empty attribute name"),
    ] {
        let e = parse_attr_path(input).expect_err(input);
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidSyntax)),
            "{input}"
        );
        assert!(
            e.detail.starts_with("invalid attribute path '"),
            "{}",
            e.detail
        );
        assert!(
            e.detail.contains(expected),
            "{input}: got '{}', expected '{expected}'",
            e.detail
        );
    }
}
