//! The unique names (`userName` of users, `displayName` of groups): how two spellings are
//! compared, and which characters a name may hold.
//!
//! **Comparison.** RFC 7643 makes both names case-insensitive (`caseExact: false`); IdPs send
//! Unicode. Two names are the same when their [`fold`]s are equal: Unicode canonical
//! equivalence (NFC/NFD — "José" precomposed or as `e` + U+0301 — and compatibility-free
//! singletons such as the Kelvin sign U+212A, which *is* `K`) plus Unicode default case folding
//! (`caseless`, full folding: `ß`/`ẞ`/`ss`, final `ς`/`σ`, `ﬁ`/`fi`, Cherokee). This is the
//! *canonical caseless match* of Unicode §3.13 (D145), kept in NFC so a stored key stays
//! short. `str::to_lowercase` alone is a display mapping, not an equivalence: it leaves NFD and
//! NFC apart, keeps `ß` ≠ `ss` and maps a word-final `Σ` to `ς` but a lone `σ` to itself. The
//! store's unique index (`name_folded`) and the filter evaluator's case-insensitive comparisons
//! both use [`fold`], so uniqueness and `eq` lookups agree.
//!
//! **Characters.** A name holding a control character (Unicode `Cc`: NUL, tab, line breaks,
//! ESC, DEL, C1) is refused with `400 invalidValue` naming the first one and its position, on
//! create, PUT and PATCH alike ([`check_name`]): such a name cannot be typed by an admin, breaks
//! logs and terminals, and a NUL truncates it in many C APIs downstream.

use crate::error::{Result, ScimError};
use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// The comparison key of a unique name: NFC of the Unicode default case folding of its NFD.
///
/// Equal keys ⇔ canonical caseless match. ASCII names (the common case) take a fast path that
/// gives the same result.
pub fn fold(name: &str) -> String {
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    name.chars().nfd().default_case_fold().nfc().collect()
}

/// Refuse a name with a control character: `400 invalidValue` naming the attribute, the
/// character (as `U+XXXX`) and its 1-based position in characters.
pub fn check_name(attr: &str, name: &str) -> Result<()> {
    match name.chars().enumerate().find(|(_, c)| c.is_control()) {
        None => Ok(()),
        Some((i, c)) => Err(ScimError::invalid_value(format!(
            "'{attr}' holds the control character U+{:04X} at character {}: names may not contain control characters (NUL, tab, line breaks, ESC, DEL); remove it",
            u32::from(c),
            i + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_nfd_and_kelvin_fold_alike() {
        let nfc = "Jos\u{e9}";
        let nfd = "Jose\u{301}";
        assert_ne!(nfc, nfd);
        assert_eq!(fold(nfc), fold(nfd));
        assert_eq!(fold(nfc), "jos\u{e9}", "kept in nfc");
        assert_eq!(fold("\u{212A}elvin"), fold("kelvin"));
        assert_eq!(fold("\u{212A}elvin"), "kelvin");
        assert_eq!(fold("Bjensen@Example.COM"), "bjensen@example.com");
    }

    #[test]
    fn full_case_folding_not_just_lowercase() {
        assert_eq!(fold("Stra\u{df}e"), fold("STRASSE"));
        assert_eq!(fold("\u{1e9e}"), fold("ss"), "capital sharp s");
        assert_eq!(
            fold("\u{3a3}\u{39f}\u{3a3}"),
            fold("\u{3c3}\u{3bf}\u{3c2}"),
            "sigmas"
        );
        assert_eq!(fold("\u{fb01}le"), fold("FILE"), "ligature");
        assert_eq!(fold("\u{130}"), fold("i\u{307}"), "dotted capital I");
        // Lowercase alone disagrees on these, which is why it is not enough.
        assert_ne!("Stra\u{df}e".to_lowercase(), "STRASSE".to_lowercase());
    }

    #[test]
    fn folding_is_idempotent() {
        for s in [
            "Jose\u{301}",
            "\u{212A}",
            "\u{130}stanbul",
            "\u{1fc3}",
            "\u{3a3}\u{345}",
            "Ǆemal",
            "ΆΈΉ",
            "plain",
        ] {
            let once = fold(s);
            assert_eq!(fold(&once), once, "{s:?}");
        }
    }

    #[test]
    fn control_characters_are_named_with_their_position() {
        assert!(check_name("userName", "ada@example.com").is_ok());
        assert!(check_name("userName", "José Ωmega \u{200b}").is_ok());
        for (name, code, pos) in [
            ("a\u{0}b", "U+0000", 2),
            ("\tab", "U+0009", 1),
            ("é\u{1b}[31m", "U+001B", 2),
            ("x\u{7f}", "U+007F", 2),
            ("x\u{85}", "U+0085", 2),
            ("line\nbreak", "U+000A", 5),
        ] {
            let e = check_name("userName", name).unwrap_err();
            assert_eq!(e.scim_type, Some(crate::ScimType::InvalidValue));
            assert!(
                e.detail.contains(code) && e.detail.contains(&format!("character {pos}")),
                "{name:?}: {}",
                e.detail
            );
        }
    }
}
