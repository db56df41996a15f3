//! Recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2), PATCH paths (§3.5.2) and the
//! attribute paths of `attributes` / `excludedAttributes` / `sortBy`.
//!
//! Grammar (keywords and operators case-insensitive), lowest precedence first:
//!
//! ```text
//! or      = and *("or" and)
//! and     = unary *("and" unary)
//! unary   = "not" "(" or ")" / "(" or ")" / attrExp
//! attrExp = attrPath "pr" / attrPath compareOp compValue
//!         / attrPath "[" or "]" [ "." subAttr ( "pr" / compareOp compValue ) ]
//! ```
//!
//! The last form is Microsoft's `emails[type eq "work"].value eq "x"`, read as
//! `emails[type eq "work" and value eq "x"]`. Inside `[...]` paths are relative to the element
//! and value filters do not nest. Nesting is capped at [`MAX_DEPTH`] and the number of
//! comparisons at [`MAX_TERMS`], so no input can exhaust the stack (here or when the AST is
//! evaluated or dropped).
//!
//! Quirks are collected in a scratch [`Quirks`] and copied to the caller's only when the whole
//! input parses, so a rejected filter leaves no labels behind.

use super::lexer::{Lexer, Tok, Token, char_pos, clip};
use super::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use crate::error::{Result, ScimError};
use crate::quirks::{Quirk, Quirks};
use crate::schema::{
    self, AttrDef, AttrType, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ResourceKind, USER_SCHEMA,
};

/// Maximum nesting of parentheses, `not (...)` and value filters.
pub(crate) const MAX_DEPTH: usize = 64;
/// Maximum number of attribute expressions in one filter.
pub(crate) const MAX_TERMS: usize = 1000;

const OPERATORS_HINT: &str = "use eq, ne, co, sw, ew, gt, ge, lt, le or pr";

/// Parse a filter expression (RFC 7644 §3.4.2.2) for resources of `kind`.
///
/// Tolerated deviations, recorded in `quirks` (errors in strict mode):
/// [`Quirk::UnquotedFilterValue`] for a bare word used as a value (`externalId eq jyoung`) and
/// [`Quirk::StringBoolean`] for `"true"`/`"False"` compared with a boolean attribute (the value
/// becomes [`CompValue::Bool`]). Errors are 400 `invalidFilter`.
pub fn parse_filter(input: &str, kind: ResourceKind, quirks: &mut Quirks) -> Result<Filter> {
    let mut scratch = Quirks::new(quirks.mode());
    let mut p = Parser::new(input, kind, &mut scratch, Ctx::Filter);
    if input.trim().is_empty() {
        return Err(p.err("the filter is empty: write e.g. userName eq \"bjensen\""));
    }
    let filter = p.parse_or(None)?;
    p.expect_end()?;
    merge(quirks, &scratch);
    Ok(filter)
}

/// Parse a PATCH path: `attrPath` (`name.givenName`, URN-qualified paths included), `valuePath`
/// (`members[value eq "x"]`) or `valuePath.subAttr` (`emails[type eq "work"].value`).
///
/// A path naming a whole extension (`urn:...:enterprise:2.0:User`) yields an [`AttrPath`] whose
/// `name` is the URN and whose `urn` is `None` (the key of the extension object). The value
/// filter tolerates the same quirks as [`parse_filter`]. Errors are 400 `invalidPath`.
pub fn parse_patch_path(input: &str, kind: ResourceKind, quirks: &mut Quirks) -> Result<PatchPath> {
    let mut scratch = Quirks::new(quirks.mode());
    let mut p = Parser::new(input, kind, &mut scratch, Ctx::Path);
    let Some(first) = p.bump()? else {
        return Err(p.err(
            "the path is empty: name an attribute, e.g. displayName, name.givenName or emails[type eq \"work\"].value",
        ));
    };
    let Tok::Word(word) = &first.tok else {
        return Err(p.err(format!(
            "expected an attribute name at character {}, found {}",
            char_pos(input, first.start),
            p.describe(&first)
        )));
    };
    let attr = split_path(word).map_err(|m| p.err(m))?;
    let path = match p.peek()? {
        None => PatchPath {
            attr,
            filter: None,
            sub_after_filter: None,
        },
        Some(Token {
            tok: Tok::LBracket, ..
        }) => {
            let inner = p.parse_bracket(&attr, None)?;
            let sub_after_filter = match p.peek()? {
                Some(Token {
                    tok: Tok::Word(w), ..
                }) if w.starts_with('.') => {
                    p.bump()?;
                    let sub = &w[1..];
                    validate_name(sub, &w).map_err(|m| p.err(m))?;
                    Some(sub.to_owned())
                }
                _ => None,
            };
            PatchPath {
                attr,
                filter: Some(inner),
                sub_after_filter,
            }
        }
        Some(_) => PatchPath {
            attr,
            filter: None,
            sub_after_filter: None,
        },
    };
    p.expect_end()?;
    merge(quirks, &scratch);
    Ok(path)
}

/// Parse an attribute path as used by `attributes`, `excludedAttributes` and `sortBy`:
/// `userName`, `name.givenName`, `emails.value`, `urn:...:enterprise:2.0:User:department`, or a
/// whole extension URN (then `name` is the URN and `urn` is `None`). Errors are 400
/// `invalidSyntax`.
pub fn parse_attr_path(input: &str) -> Result<AttrPath> {
    let fail = |msg: String| {
        ScimError::invalid_syntax(format!(
            "invalid attribute path '{}': {msg}",
            clip(input, 200)
        ))
    };
    let word = input.trim();
    if word.is_empty() {
        return Err(fail(
            "the path is empty: name an attribute, e.g. userName or name.givenName".into(),
        ));
    }
    if let Some(c) = word
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"'))
    {
        return Err(fail(format!(
            "'{}' is not allowed in an attribute path: write a name such as userName, name.givenName or emails.value (filters go in filter=)",
            c.escape_debug()
        )));
    }
    split_path(word).map_err(fail)
}

/// Copy what the scratch collector saw (already checked against the mode) to the caller's.
fn merge(into: &mut Quirks, from: &Quirks) {
    for q in from.as_slice() {
        into.note(*q);
    }
}

/// Whether the error is about a filter or a PATCH path (decides the `scimType` and wording).
#[derive(Clone, Copy)]
enum Ctx {
    Filter,
    Path,
}

fn make_err(ctx: Ctx, input: &str, msg: &str) -> ScimError {
    let shown = clip(input, 200);
    match ctx {
        Ctx::Filter => ScimError::invalid_filter(format!("invalid filter '{shown}': {msg}")),
        Ctx::Path => ScimError::invalid_path(format!("invalid path '{shown}': {msg}")),
    }
}

/// Whether `word` names a whole schema (the key of an extension object), not an attribute in it.
fn is_whole_schema_urn(word: &str) -> bool {
    if [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(word))
    {
        return true;
    }
    // `urn:...:<version>:User` / `:Group`: custom extensions follow the enterprise naming.
    let Some((urn, rest)) = schema::split_urn(word) else {
        return false;
    };
    let version = urn.rsplit(':').next().unwrap_or_default();
    let looks_versioned = version.starts_with(|c: char| c.is_ascii_digit())
        && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    looks_versioned && (rest.eq_ignore_ascii_case("User") || rest.eq_ignore_ascii_case("Group"))
}

/// Validate an attribute name (RFC 7643 ATTRNAME, plus `$ref`).
fn validate_name(name: &str, word: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("'{}' has an empty attribute name", clip(word, 80)));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '$' || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$')) {
        return Err(format!(
            "'{}' is not a valid attribute name (names start with a letter and use letters, digits, '-', '_' or '$')",
            clip(name, 80)
        ));
    }
    Ok(())
}

/// Split `[urn:]name[.sub]` into an [`AttrPath`].
fn split_path(word: &str) -> Result<AttrPath, String> {
    if is_whole_schema_urn(word) {
        return Ok(AttrPath {
            urn: None,
            name: word.to_owned(),
            sub: None,
        });
    }
    let (urn, rest) = match schema::split_urn(word) {
        Some((urn, rest)) => (Some(urn.to_owned()), rest),
        None => (None, word),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    validate_name(name, word)?;
    if let Some(sub) = sub {
        if sub.contains('.') {
            return Err(format!(
                "'{}' has more than one '.': a path goes at most one level deep, e.g. name.givenName",
                clip(word, 80)
            ));
        }
        validate_name(sub, word)?;
    }
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

fn parse_op(word: &str) -> Option<Option<CompareOp>> {
    let op = match word.to_ascii_lowercase().as_str() {
        "pr" => return Some(None),
        "eq" => CompareOp::Eq,
        "ne" => CompareOp::Ne,
        "co" => CompareOp::Co,
        "sw" => CompareOp::Sw,
        "ew" => CompareOp::Ew,
        "gt" => CompareOp::Gt,
        "ge" => CompareOp::Ge,
        "lt" => CompareOp::Lt,
        "le" => CompareOp::Le,
        _ => return None,
    };
    Some(Some(op))
}

fn is_logical(word: &str) -> bool {
    word.eq_ignore_ascii_case("and") || word.eq_ignore_ascii_case("or")
}

/// The value filter being parsed: the multi-valued (or complex) attribute it applies to.
struct Scope {
    parent: AttrPath,
    def: Option<&'static AttrDef>,
}

struct Parser<'a, 'q> {
    input: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    prev: Option<Token>,
    kind: ResourceKind,
    quirks: &'q mut Quirks,
    ctx: Ctx,
    depth: usize,
    terms: usize,
}

impl<'a, 'q> Parser<'a, 'q> {
    fn new(input: &'a str, kind: ResourceKind, quirks: &'q mut Quirks, ctx: Ctx) -> Self {
        Self {
            input,
            lexer: Lexer::new(input),
            peeked: None,
            prev: None,
            kind,
            quirks,
            ctx,
            depth: 0,
            terms: 0,
        }
    }

    fn err(&self, msg: impl AsRef<str>) -> ScimError {
        make_err(self.ctx, self.input, msg.as_ref())
    }

    fn peek(&mut self) -> Result<Option<Token>> {
        if self.peeked.is_none() {
            let next = self.lexer.next_token();
            self.peeked = next.map_err(|m| self.err(m))?;
        }
        Ok(self.peeked.clone())
    }

    fn bump(&mut self) -> Result<Option<Token>> {
        self.peek()?;
        let tok = self.peeked.take();
        if tok.is_some() {
            self.prev.clone_from(&tok);
        }
        Ok(tok)
    }

    fn peek_word_is(&mut self, keyword: &str) -> Result<bool> {
        Ok(
            matches!(self.peek()?, Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(keyword)),
        )
    }

    fn pos(&self, tok: &Token) -> usize {
        char_pos(self.input, tok.start)
    }

    /// How a token reads in a message.
    fn describe(&self, tok: &Token) -> String {
        match &tok.tok {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Word(w) => format!("'{}'", clip(w, 60)),
            Tok::Str(_) => format!("the string {}", clip(&self.input[tok.start..tok.end], 60)),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!(
                "the filter nests more than {MAX_DEPTH} levels of parentheses or brackets: simplify it"
            )));
        }
        Ok(())
    }

    fn count_term(&mut self) -> Result<()> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(self.err(format!(
                "the filter has more than {MAX_TERMS} comparisons: split it into smaller queries"
            )));
        }
        Ok(())
    }

    fn expect_end(&mut self) -> Result<()> {
        let Some(tok) = self.bump()? else {
            return Ok(());
        };
        let at = self.pos(&tok);
        Err(self.err(match &tok.tok {
            Tok::RParen => format!("unmatched ')' at character {at}: remove it or add the missing '('"),
            Tok::RBracket => format!("unmatched ']' at character {at}: remove it or add the missing '['"),
            _ => match self.ctx {
                Ctx::Filter => format!(
                    "unexpected {} at character {at} after a complete filter: join filters with 'and' or 'or'",
                    self.describe(&tok)
                ),
                Ctx::Path => format!(
                    "unexpected {} at character {at}: a path is attr, attr.sub, attr[filter] or attr[filter].sub",
                    self.describe(&tok)
                ),
            },
        }))
    }

    fn parse_or(&mut self, scope: Option<&Scope>) -> Result<Filter> {
        let mut left = self.parse_and(scope)?;
        while self.peek_word_is("or")? {
            self.bump()?;
            let right = self.parse_and(scope)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self, scope: Option<&Scope>) -> Result<Filter> {
        let mut left = self.parse_unary(scope)?;
        while self.peek_word_is("and")? {
            self.bump()?;
            let right = self.parse_unary(scope)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self, scope: Option<&Scope>) -> Result<Filter> {
        let Some(tok) = self.peek()? else {
            return Err(self.missing_filter(None));
        };
        match &tok.tok {
            Tok::Word(w) if w.eq_ignore_ascii_case("not") => {
                self.bump()?;
                match self.peek()? {
                    Some(Token {
                        tok: Tok::LParen, ..
                    }) => {}
                    _ => {
                        return Err(self.err(format!(
                            "'{w}' at character {} must be followed by a filter in parentheses, e.g. not (userName eq \"x\")",
                            self.pos(&tok)
                        )));
                    }
                }
                let inner = self.parse_group(scope)?;
                Ok(Filter::Not(Box::new(inner)))
            }
            Tok::LParen => self.parse_group(scope),
            Tok::RParen | Tok::RBracket => Err(self.missing_filter(Some(&tok))),
            _ => self.parse_attr_exp(scope),
        }
    }

    /// The error for a filter expected but absent (`found` is the closing token met instead).
    fn missing_filter(&self, found: Option<&Token>) -> ScimError {
        let where_ = match found {
            Some(t) => format!("before {} at character {}", self.describe(t), self.pos(t)),
            None => "at the end".to_owned(),
        };
        let msg = match &self.prev {
            Some(Token {
                tok: Tok::Word(w), ..
            }) if is_logical(w) => {
                format!("missing filter after '{w}' ({where_}): '{w}' joins two filters")
            }
            Some(
                t @ Token {
                    tok: Tok::LParen, ..
                },
            ) => format!(
                "empty parentheses at character {}: put a filter inside, e.g. (userName eq \"x\")",
                self.pos(t)
            ),
            Some(
                t @ Token {
                    tok: Tok::LBracket, ..
                },
            ) => format!(
                "empty value filter at character {}: put a filter inside, e.g. emails[type eq \"work\"]",
                self.pos(t)
            ),
            _ => format!("expected a filter {where_}"),
        };
        self.err(msg)
    }

    /// `( or )` with the `(` next in the input.
    fn parse_group(&mut self, scope: Option<&Scope>) -> Result<Filter> {
        let Some(open) = self.bump()? else {
            return Err(self.missing_filter(None));
        };
        self.enter()?;
        let inner = self.parse_or(scope)?;
        match self.bump()? {
            Some(Token {
                tok: Tok::RParen, ..
            }) => {}
            None => {
                return Err(self.err(format!(
                    "missing ')' to close the '(' at character {}",
                    self.pos(&open)
                )));
            }
            Some(t) => {
                return Err(self.err(format!(
                    "unexpected {} at character {}: expected 'and', 'or' or the ')' closing the '(' at character {}",
                    self.describe(&t),
                    self.pos(&t),
                    self.pos(&open)
                )));
            }
        }
        self.depth -= 1;
        Ok(inner)
    }

    fn parse_attr_exp(&mut self, scope: Option<&Scope>) -> Result<Filter> {
        let Some(tok) = self.bump()? else {
            return Err(self.missing_filter(None));
        };
        let at = self.pos(&tok);
        let word = match &tok.tok {
            Tok::Word(w) => w.clone(),
            Tok::Str(_) => {
                return Err(self.err(format!(
                    "expected an attribute name at character {at}, found {}: attribute names are not quoted",
                    self.describe(&tok)
                )));
            }
            Tok::LBracket => {
                return Err(self.err(format!(
                    "'[' at character {at} must follow an attribute name, e.g. emails[type eq \"work\"]"
                )));
            }
            Tok::LParen | Tok::RParen | Tok::RBracket => {
                return Err(self.err(format!(
                    "expected an attribute name at character {at}, found {}",
                    self.describe(&tok)
                )));
            }
        };
        if is_logical(&word) {
            return Err(self.err(format!(
                "unexpected '{word}' at character {at}: 'and' and 'or' join two filters, e.g. a eq \"x\" and b eq \"y\""
            )));
        }
        let path = self.attr_path(&word, scope)?;
        self.count_term()?;
        if matches!(
            self.peek()?,
            Some(Token {
                tok: Tok::LBracket,
                ..
            })
        ) {
            return self.parse_value_path(path, scope);
        }
        self.parse_op_and_value(path, &word, scope)
    }

    /// The attribute path at the start of an attribute expression.
    fn attr_path(&self, word: &str, scope: Option<&Scope>) -> Result<AttrPath> {
        let path = split_path(word).map_err(|m| self.err(m))?;
        if let Some(scope) = scope
            && (path.urn.is_some() || path.sub.is_some() || path.name.contains(':'))
        {
            let parent = &scope.parent;
            return Err(self.err(format!(
                "'{}' inside '{parent}[...]' must be a sub-attribute name of '{parent}', e.g. {parent}[value eq \"x\"]",
                clip(word, 80)
            )));
        }
        Ok(path)
    }

    /// After an attribute path: `pr`, or an operator and a value.
    fn parse_op_and_value(
        &mut self,
        path: AttrPath,
        written: &str,
        scope: Option<&Scope>,
    ) -> Result<Filter> {
        let shown = clip(written, 80);
        let Some(op_tok) = self.bump()? else {
            return Err(self.err(format!(
                "missing operator after '{shown}': write e.g. {shown} eq \"value\" or {shown} pr"
            )));
        };
        let Tok::Word(op_word) = &op_tok.tok else {
            return Err(self.err(format!(
                "missing operator after '{shown}', found {} at character {} ({OPERATORS_HINT})",
                self.describe(&op_tok),
                self.pos(&op_tok)
            )));
        };
        let Some(op) = parse_op(op_word) else {
            return Err(self.err(format!(
                "unknown operator '{}' ({OPERATORS_HINT})",
                clip(op_word, 60)
            )));
        };
        let Some(op) = op else {
            return Ok(Filter::Present(path));
        };
        let def = self.def_for(&path, scope);
        let value = match self.bump()? {
            Some(Token {
                tok: Tok::Str(s), ..
            }) => CompValue::Str(s),
            Some(Token {
                tok: Tok::Word(w), ..
            }) if !is_logical(&w) => self.bare_value(&w, def, &path, op_word)?,
            _ => {
                return Err(self.err(format!(
                    "missing comparison value after '{op_word}': write e.g. {shown} {op_word} \"value\""
                )));
            }
        };
        let value = self.coerce_string_boolean(value, def, &path)?;
        Ok(Filter::Compare { path, op, value })
    }

    /// The schema definition a comparison on `path` compares against.
    fn def_for(&self, path: &AttrPath, scope: Option<&Scope>) -> Option<&'static AttrDef> {
        let base = match scope {
            Some(scope) => scope.def?.sub(&path.name)?,
            None => self.kind.attr(path.urn.as_deref(), &path.name)?,
        };
        match &path.sub {
            Some(sub) => base.sub(sub),
            // `emails eq "x"` compares each element's `value`.
            None if base.ty == AttrType::Complex => base.sub("value"),
            None => Some(base),
        }
    }

    /// A value written without quotes: `true`/`false`/`null`, a number, or a tolerated bare word.
    fn bare_value(
        &mut self,
        word: &str,
        def: Option<&AttrDef>,
        path: &AttrPath,
        op: &str,
    ) -> Result<CompValue> {
        if word.eq_ignore_ascii_case("true") {
            return Ok(CompValue::Bool(true));
        }
        if word.eq_ignore_ascii_case("false") {
            return Ok(CompValue::Bool(false));
        }
        if word.eq_ignore_ascii_case("null") {
            return Ok(CompValue::Null);
        }
        let stringy = def.is_some_and(|d| {
            matches!(
                d.ty,
                AttrType::String | AttrType::Reference | AttrType::DateTime
            )
        });
        if !stringy && let Ok(n) = serde_json::from_str::<serde_json::Number>(word) {
            return Ok(CompValue::Number(n));
        }
        let (ctx, input) = (self.ctx, self.input);
        let msg = format!(
            "the value '{w}' must be quoted (strict mode): write {path} {op} \"{w}\"",
            w = clip(word, 80)
        );
        self.quirks
            .tolerate(Quirk::UnquotedFilterValue, || make_err(ctx, input, &msg))?;
        Ok(CompValue::Str(word.to_owned()))
    }

    /// `"True"` / `"false"` compared with a boolean attribute becomes a boolean.
    fn coerce_string_boolean(
        &mut self,
        value: CompValue,
        def: Option<&AttrDef>,
        path: &AttrPath,
    ) -> Result<CompValue> {
        let CompValue::Str(s) = &value else {
            return Ok(value);
        };
        if !def.is_some_and(|d| d.ty == AttrType::Boolean) {
            return Ok(value);
        }
        let b = if s.eq_ignore_ascii_case("true") {
            true
        } else if s.eq_ignore_ascii_case("false") {
            false
        } else {
            return Ok(value);
        };
        let (ctx, input) = (self.ctx, self.input);
        let msg = format!(
            "'{path}' is a boolean, got the string \"{s}\" (strict mode): compare with {b} without quotes"
        );
        self.quirks
            .tolerate(Quirk::StringBoolean, || make_err(ctx, input, &msg))?;
        Ok(CompValue::Bool(b))
    }

    /// `[ or ]` after `parent`, with the `[` next in the input. Returns the inner filter.
    fn parse_bracket(&mut self, parent: &AttrPath, scope: Option<&Scope>) -> Result<Filter> {
        let Some(open) = self.bump()? else {
            return Err(self.missing_filter(None));
        };
        if let Some(outer) = scope {
            return Err(self.err(format!(
                "nested value filter '{parent}[' at character {} inside '{}[...]': value filters do not nest, combine the conditions with 'and'",
                self.pos(&open),
                outer.parent
            )));
        }
        if parent.sub.is_some() {
            return Err(self.err(format!(
                "a value filter applies to an attribute, not to the sub-attribute '{parent}': write e.g. emails[type eq \"work\"].value"
            )));
        }
        self.enter()?;
        let def = self.kind.attr(parent.urn.as_deref(), &parent.name);
        let inner_scope = Scope {
            parent: parent.clone(),
            def,
        };
        let inner = self.parse_or(Some(&inner_scope))?;
        match self.bump()? {
            Some(Token {
                tok: Tok::RBracket, ..
            }) => {}
            None => {
                return Err(self.err(format!(
                    "missing ']' to close '{parent}[' at character {}",
                    self.pos(&open)
                )));
            }
            Some(t) => {
                return Err(self.err(format!(
                    "unexpected {} at character {}: expected 'and', 'or' or the ']' closing '{parent}[' at character {}",
                    self.describe(&t),
                    self.pos(&t),
                    self.pos(&open)
                )));
            }
        }
        self.depth -= 1;
        Ok(inner)
    }

    /// `parent[filter]`, optionally followed by Microsoft's `.sub op value` / `.sub pr`.
    fn parse_value_path(&mut self, path: AttrPath, scope: Option<&Scope>) -> Result<Filter> {
        let inner = self.parse_bracket(&path, scope)?;
        match self.peek()? {
            Some(Token { tok: Tok::Word(w), .. }) if w.starts_with('.') => {
                self.bump()?;
                let sub = &w[1..];
                validate_name(sub, &w).map_err(|m| self.err(m))?;
                let def = self.kind.attr(path.urn.as_deref(), &path.name);
                let inner_scope = Scope { parent: path.clone(), def };
                self.count_term()?;
                let written = format!("{path}[...].{sub}");
                let cmp = self.parse_op_and_value(AttrPath::simple(sub), &written, Some(&inner_scope))?;
                Ok(Filter::ValuePath { path, filter: Box::new(Filter::And(Box::new(inner), Box::new(cmp))) })
            }
            Some(Token { tok: Tok::Word(op), start, .. }) if parse_op(&op).is_some() => {
                Err(self.err(format!(
                    "'{path}[...]' cannot be compared directly with '{op}' at character {}: compare a sub-attribute, e.g. {path}[...].value {op} \"x\"",
                    char_pos(self.input, start)
                )))
            }
            _ => Ok(Filter::ValuePath { path, filter: Box::new(inner) }),
        }
    }
}

#[cfg(test)]
mod tests;
