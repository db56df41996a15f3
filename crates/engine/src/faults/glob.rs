//! The globs of a fault rule's match: `path` (relative to the tenant URL's base, e.g.
//! `/Users/*`) and the names (`userName`, group `displayName`).
//!
//! Owns the one wildcard syntax both use, kept tiny on purpose (no regex crate, nothing to
//! escape): `*` matches any run of characters, including none, and `?` exactly one character;
//! every other character, dots included, is itself. There is no `**` (two stars are one star)
//! and no escaping: a rule cannot match a literal `*` or `?`.
//!
//! - A **path** glob compares case-sensitively, as routes do, and neither `*` nor `?` crosses a
//!   `/`: the pattern and the path must have as many segments, and each segment is matched on its
//!   own (`/Users/*` matches `/Users/abc`, not `/Users/abc/def` nor `/Users`).
//! - A **name** glob compares case-insensitively (SCIM `userName` has `caseExact: false`), one
//!   character at a time by its Unicode lowercase; `/` is an ordinary character there. Lowercase
//!   is not full case folding: `ß` does not match `SS`.
//!
//! Matching allocates nothing; it runs on every SCIM request a rule could match.

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// This character (compared as the glob's kind says).
    Char(char),
    /// `?`: one character.
    One,
    /// `*`: any run of characters, including none.
    Run,
}

/// Which comparison a glob makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Path,
    Name,
}

/// A compiled glob. Build it with [`Glob::path`] or [`Glob::name`]; they refuse patterns that
/// could never be meant (empty, or a path that does not start with `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    kind: Kind,
    /// The pattern as given (for messages).
    source: String,
    /// Path globs: one token list per `/`-separated segment (the first, before the leading `/`,
    /// is empty). Name globs: a single list.
    segments: Vec<Vec<Token>>,
}

/// Why a pattern does not compile. The message is a fragment that follows the field's name,
/// e.g. `match.path 'Users/*' must start with /: ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlobError {
    /// The pattern is empty.
    #[error("is empty: remove it to match any value, or use * explicitly")]
    Empty,
    /// A pattern longer than [`MAX_GLOB_CHARS`] (matching runs on every request).
    #[error("is {0} characters long: keep it under {MAX_GLOB_CHARS}")]
    TooLong(usize),
    /// A path pattern that does not start with `/`.
    #[error("'{0}' must start with /: paths are relative to the tenant URL, e.g. /Users/*")]
    NotAbsolute(String),
}

/// Longest glob: matching is O(pattern × text) and runs on every SCIM request.
pub const MAX_GLOB_CHARS: usize = 200;

fn too_long(pattern: &str) -> Result<(), GlobError> {
    let n = pattern.chars().count();
    if n > MAX_GLOB_CHARS {
        return Err(GlobError::TooLong(n));
    }
    Ok(())
}

fn tokens(pattern: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(pattern.len());
    for c in pattern.chars() {
        let t = match c {
            '*' => Token::Run,
            '?' => Token::One,
            c => Token::Char(c),
        };
        // `**` is `*`: collapsing keeps the matcher's backtracking short.
        if !(t == Token::Run && out.last() == Some(&Token::Run)) {
            out.push(t);
        }
    }
    out
}

impl Glob {
    /// A path glob, e.g. `/Users/*`: case-sensitive, `*` and `?` stay within one segment.
    pub fn path(pattern: &str) -> Result<Self, GlobError> {
        if pattern.is_empty() {
            return Err(GlobError::Empty);
        }
        too_long(pattern)?;
        if !pattern.starts_with('/') {
            return Err(GlobError::NotAbsolute(pattern.to_owned()));
        }
        Ok(Self {
            kind: Kind::Path,
            source: pattern.to_owned(),
            segments: pattern.split('/').map(tokens).collect(),
        })
    }

    /// A name glob, e.g. `thr-*`: case-insensitive, any character may be matched by `*`.
    pub fn name(pattern: &str) -> Result<Self, GlobError> {
        if pattern.is_empty() {
            return Err(GlobError::Empty);
        }
        too_long(pattern)?;
        Ok(Self {
            kind: Kind::Name,
            source: pattern.to_owned(),
            segments: vec![tokens(pattern)],
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        match self.kind {
            Kind::Name => match_tokens(&self.segments[0], text, Kind::Name),
            Kind::Path => {
                let mut parts = text.split('/');
                for seg in &self.segments {
                    match parts.next() {
                        Some(part) if match_tokens(seg, part, Kind::Path) => {}
                        _ => return false,
                    }
                }
                parts.next().is_none()
            }
        }
    }
}

/// Whether two characters are equal for `kind`.
fn same(kind: Kind, pattern: char, text: char) -> bool {
    pattern == text || (kind == Kind::Name && pattern.to_lowercase().eq(text.to_lowercase()))
}

/// The classic wildcard match with one backtrack point: on a mismatch, the last `*` takes one
/// more character. With stars that may take anything (within the text given), the last star is
/// the only one worth widening, so this is O(pattern × text) at worst and linear in practice.
fn match_tokens(pattern: &[Token], text: &str, kind: Kind) -> bool {
    let mut p = 0;
    // Byte offset into `text` of the next character to match.
    let mut t = 0;
    // The last `*` seen: the token after it, and where in `text` it stopped taking characters.
    let mut star: Option<(usize, usize)> = None;
    loop {
        let next = text[t..].chars().next();
        match (pattern.get(p), next) {
            (Some(Token::Run), _) => {
                p += 1;
                star = Some((p, t));
            }
            (Some(Token::One), Some(c)) => {
                p += 1;
                t += c.len_utf8();
            }
            (Some(Token::Char(pc)), Some(c)) if same(kind, *pc, c) => {
                p += 1;
                t += c.len_utf8();
            }
            (None, None) => return true,
            _ => {
                // Mismatch (or one side ended): widen the last star by one character.
                let Some((after_star, taken_to)) = star else {
                    return false;
                };
                let Some(c) = text[taken_to..].chars().next() else {
                    return false;
                };
                let resume = taken_to + c.len_utf8();
                star = Some((after_star, resume));
                p = after_star;
                t = resume;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Glob {
        Glob::path(p).unwrap()
    }
    fn name(p: &str) -> Glob {
        Glob::name(p).unwrap()
    }

    #[test]
    fn a_path_star_stays_within_its_segment() {
        let g = path("/Users/*");
        assert!(g.matches("/Users/abc"));
        assert!(g.matches("/Users/"));
        assert!(!g.matches("/Users"));
        assert!(!g.matches("/Users/abc/def"));
        assert!(!g.matches("/Groups/abc"));
        let g = path("/*/abc");
        assert!(g.matches("/Users/abc"));
        assert!(g.matches("/Groups/abc"));
        assert!(!g.matches("/a/b/abc"));
        // `?` does not take a `/` either.
        assert!(!path("/Users?abc").matches("/Users/abc"));
        assert!(path("/Users/?").matches("/Users/x"));
        assert!(!path("/Users/?").matches("/Users/xy"));
        // Exact paths and case-sensitivity.
        assert!(path("/Users").matches("/Users"));
        assert!(!path("/Users").matches("/users"));
        assert!(!path("/Users").matches("/Users/"));
    }

    #[test]
    fn name_globs_ignore_case_and_match_any_run() {
        let g = name("thr-*");
        assert!(g.matches("thr-1"));
        assert!(g.matches("THR-alice@example.com"));
        assert!(g.matches("thr-"));
        assert!(!g.matches("xthr-1"));
        assert!(!g.matches("th"));
        // A name star crosses `/` (names are not paths).
        assert!(name("a*b").matches("a/x/b"));
        assert!(name("*@EXAMPLE.com").matches("bob@example.COM"));
        assert!(name("*").matches(""));
        assert!(name("a*b*c").matches("aXbYbZc"));
        assert!(!name("a*b*c").matches("aXbYbZ"));
        assert!(name("**x").matches("abcx"));
    }

    #[test]
    fn question_mark_takes_exactly_one_character() {
        let g = name("user?");
        assert!(g.matches("user1"));
        assert!(!g.matches("user"));
        assert!(!g.matches("user12"));
        assert!(name("?*").matches("a"));
        assert!(!name("?*").matches(""));
    }

    #[test]
    fn dots_are_literal() {
        let g = name("a.b@example.com");
        assert!(g.matches("A.B@example.com"));
        assert!(!g.matches("aXb@example.com"));
        assert!(!g.matches("a.b@exampleXcom"));
        assert!(!path("/Users/a.b").matches("/Users/aXb"));
    }

    #[test]
    fn unicode_characters_are_one_character_each() {
        assert!(name("j?rg").matches("jörg"));
        assert!(name("JÖRG*").matches("jörg.müller"));
        assert!(name("é*").matches("Éloïse"));
        assert!(name("??").matches("日本"));
        assert!(!name("?").matches("日本"));
        assert!(name("*本").matches("日本"));
        assert!(path("/Users/?").matches("/Users/é"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert_eq!(Glob::path(""), Err(GlobError::Empty));
        assert_eq!(Glob::name(""), Err(GlobError::Empty));
        assert_eq!(
            Glob::path("Users/*"),
            Err(GlobError::NotAbsolute("Users/*".into()))
        );
        assert_eq!(path("/Users/*").as_str(), "/Users/*");
    }
}
