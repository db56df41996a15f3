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
#[allow(clippy::unwrap_used)]
mod tests {
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
            let p =
                parse_patch_path(input, kind, &mut q).unwrap_or_else(|e| panic!("{input}: {e}"));
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
            let e =
                parse_patch_path(input, User, &mut Quirks::new(Mode::Tolerant)).expect_err(input);
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
}
