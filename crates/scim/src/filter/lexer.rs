//! Tokeniser for SCIM filters and PATCH paths.
//!
//! The lexer is pulled one token at a time by the parser, so a pathological input (a megabyte of
//! `(`) is rejected as soon as the parser gives up, without tokenising the rest. Errors are plain
//! messages; the parser wraps them with the input and the right `scimType`.

/// One token kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A quoted JSON string, already unescaped.
    Str(String),
    /// Anything else up to whitespace or one of `( ) [ ] "`: attribute paths, operators,
    /// keywords, `true`/`false`/`null`, numbers and unquoted values.
    Word(String),
}

/// A token and where it sits in the input (byte offsets, always on char boundaries).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// A pull lexer over one input string.
pub(super) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"')
}

/// 1-based character position of byte offset `byte` in `input`, for messages.
pub(super) fn char_pos(input: &str, byte: usize) -> usize {
    input.get(..byte).map_or(0, |s| s.chars().count()) + 1
}

/// `s` shortened to at most `max` characters (with `...` when cut), for messages.
pub(super) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((idx, _)) => format!("{}...", &s[..idx]),
        None => s.to_owned(),
    }
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a str) -> Self {
        Self { input, pos: 0 }
    }

    /// The next token, `Ok(None)` at the end of the input.
    pub(super) fn next_token(&mut self) -> Result<Option<Token>, String> {
        let rest = &self.input[self.pos..];
        let Some((offset, c)) = rest.char_indices().find(|(_, c)| !c.is_whitespace()) else {
            self.pos = self.input.len();
            return Ok(None);
        };
        let start = self.pos + offset;
        let punct = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            _ => None,
        };
        if let Some(tok) = punct {
            self.pos = start + 1;
            return Ok(Some(Token {
                tok,
                start,
                end: start + 1,
            }));
        }
        if c == '"' {
            return self.string(start).map(Some);
        }
        let after = &self.input[start..];
        let len = after
            .char_indices()
            .find(|(_, c)| is_delimiter(*c))
            .map_or(after.len(), |(i, _)| i);
        let end = start + len;
        self.pos = end;
        Ok(Some(Token {
            tok: Tok::Word(self.input[start..end].to_owned()),
            start,
            end,
        }))
    }

    /// A JSON string starting at the `"` at byte `start`.
    fn string(&mut self, start: usize) -> Result<Token, String> {
        let body = &self.input[start + 1..];
        let mut chars = body.char_indices();
        let mut close = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    close = Some(start + 1 + i);
                    break;
                }
                _ => {}
            }
        }
        let Some(close) = close else {
            return Err(format!(
                "unterminated string starting at character {}: close it with '\"' (write a quote inside a value as \\\")",
                char_pos(self.input, start)
            ));
        };
        let raw = &self.input[start..=close];
        let value: String = serde_json::from_str(raw).map_err(|e| {
            format!(
                "invalid string {} at character {}: {e} (strings are json: escape '\"' as \\\" and '\\' as \\\\)",
                clip(raw, 60),
                char_pos(self.input, start)
            )
        })?;
        self.pos = close + 1;
        Ok(Token {
            tok: Tok::Str(value),
            start,
            end: close + 1,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn all(input: &str) -> Result<Vec<Tok>, String> {
        let mut lx = Lexer::new(input);
        let mut out = Vec::new();
        while let Some(t) = lx.next_token()? {
            out.push(t.tok);
        }
        Ok(out)
    }

    fn w(s: &str) -> Tok {
        Tok::Word(s.to_owned())
    }

    #[test]
    fn splits_words_strings_and_brackets() {
        let toks = all(r#"emails[type eq "work"].value  pr"#).unwrap();
        assert_eq!(
            toks,
            vec![
                w("emails"),
                Tok::LBracket,
                w("type"),
                w("eq"),
                Tok::Str("work".into()),
                Tok::RBracket,
                w(".value"),
                w("pr"),
            ]
        );
        assert_eq!(
            all("not(a)").unwrap(),
            vec![w("not"), Tok::LParen, w("a"), Tok::RParen]
        );
        assert_eq!(all(" \t\n ").unwrap(), vec![]);
    }

    #[test]
    fn strings_are_json_unescaped() {
        let toks = all(r#""a\"b\\c\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(toks, vec![Tok::Str("a\"b\\c\u{e9}\u{1F600}".into())]);
        assert_eq!(all(r#""""#).unwrap(), vec![Tok::Str(String::new())]);
    }

    #[test]
    fn bad_strings_are_errors_naming_the_position() {
        let e = all(r#"a eq "abc"#).unwrap_err();
        assert!(
            e.contains("unterminated string starting at character 6"),
            "{e}"
        );
        let e = all(r#"a eq "x\q""#).unwrap_err();
        assert!(e.contains(r#"invalid string "x\q""#), "{e}");
        let e = all(r#""\ud800""#).unwrap_err();
        assert!(e.contains("invalid string"), "{e}");
        // A trailing backslash escapes the closing quote: still unterminated, no panic.
        assert!(all(r#""abc\""#).unwrap_err().contains("unterminated"));
        assert!(all("\"\\").unwrap_err().contains("unterminated"));
    }

    #[test]
    fn positions_are_on_char_boundaries() {
        let mut lx = Lexer::new("ü eq \"é\"");
        let t = lx.next_token().unwrap().unwrap();
        assert_eq!((t.start, t.end), (0, 2));
        assert_eq!(char_pos("ü eq", 3), 3);
        assert_eq!(clip("ééé", 2), "éé...");
        assert_eq!(clip("éé", 2), "éé");
    }
}
