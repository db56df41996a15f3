//! Who may sign in to a team server, and with which role: rules given as
//! `--allow-sign-in KIND:VALUE=ROLE`, where KIND is `email` (one person), `domain` (everyone whose
//! email is at that domain) or `group` (everyone whose ID token lists that group). A person
//! matched by several rules gets the highest role; a person matched by none may not sign in.
//! Emails and domains compare without case; groups exactly (Entra ID sends group object ids,
//! Okta group names).

use crate::access::Role;
use std::str::FromStr;

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// One email address (lowercased).
    Email(String),
    /// Every email at this domain (lowercased, no `@`).
    Domain(String),
    /// Every member of this group.
    Group(String),
}

/// One rule: who, and the role they get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRule {
    /// Who it matches.
    pub who: Who,
    /// The role it gives.
    pub role: Role,
}

const FORMAT: &str = "write KIND:VALUE=ROLE, e.g. domain:example.com=viewer, email:ada@example.com=owner, group:scimlab-operators=operator";

impl FromStr for SignInRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (lhs, role) = s
            .rsplit_once('=')
            .ok_or_else(|| format!("'{s}' has no role: {FORMAT}"))?;
        let role: Role = role
            .trim()
            .parse()
            .map_err(|_| format!("'{s}': the role '{role}' is not viewer, operator or owner"))?;
        let (kind, value) = lhs
            .split_once(':')
            .ok_or_else(|| format!("'{s}' has no kind: {FORMAT}"))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("'{s}' has an empty value: {FORMAT}"));
        }
        let who = match kind.trim().to_ascii_lowercase().as_str() {
            "email" if value.contains('@') => Who::Email(value.to_lowercase()),
            "email" => return Err(format!("'{s}': '{value}' is not an email address")),
            "domain" => Who::Domain(value.trim_start_matches('@').to_lowercase()),
            "group" => Who::Group(value.to_owned()),
            other => {
                return Err(format!(
                    "'{s}': the kind '{other}' is not email, domain or group"
                ));
            }
        };
        Ok(Self { who, role })
    }
}

impl std::fmt::Display for SignInRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.who {
            Who::Email(v) => write!(f, "email:{v}={}", self.role),
            Who::Domain(v) => write!(f, "domain:{v}={}", self.role),
            Who::Group(v) => write!(f, "group:{v}={}", self.role),
        }
    }
}

/// The role `rules` give a person with `email` (verified, lowercased) and `groups`, if any.
pub fn role_of(rules: &[SignInRule], email: Option<&str>, groups: &[String]) -> Option<Role> {
    let domain = email.and_then(|e| e.rsplit_once('@')).map(|(_, d)| d);
    rules
        .iter()
        .filter(|rule| match &rule.who {
            Who::Email(v) => email == Some(v.as_str()),
            Who::Domain(v) => domain == Some(v.as_str()),
            Who::Group(v) => groups.iter().any(|g| g == v),
        })
        .map(|rule| rule.role)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(list: &[&str]) -> Vec<SignInRule> {
        list.iter().map(|r| r.parse().unwrap()).collect()
    }

    #[test]
    fn rules_parse_and_print_back() {
        for r in [
            "email:ada@example.com=owner",
            "domain:example.com=viewer",
            "group:9f1c2d3e-0000-4000-8000-000000000001=operator",
        ] {
            assert_eq!(r.parse::<SignInRule>().unwrap().to_string(), r);
        }
        let r: SignInRule = "Domain:@Example.COM = operator".parse().unwrap();
        assert_eq!(r.who, Who::Domain("example.com".into()));
        for (bad, says) in [
            ("domain:example.com", "no role"),
            ("example.com=viewer", "no kind"),
            ("domain:=viewer", "empty value"),
            ("domain:example.com=admin", "'admin' is not viewer"),
            ("email:ada=owner", "not an email"),
            ("team:x=owner", "'team' is not email"),
        ] {
            let e = bad.parse::<SignInRule>().unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn the_highest_matching_role_wins_and_nobody_else_gets_in() {
        let rules = rules(&[
            "domain:example.com=viewer",
            "group:ops=operator",
            "email:ada@example.com=owner",
        ]);
        assert_eq!(
            role_of(&rules, Some("bob@example.com"), &[]),
            Some(Role::Viewer)
        );
        assert_eq!(
            role_of(&rules, Some("bob@example.com"), &["ops".into()]),
            Some(Role::Operator)
        );
        assert_eq!(
            role_of(&rules, Some("ada@example.com"), &["ops".into()]),
            Some(Role::Owner)
        );
        assert_eq!(role_of(&rules, Some("eve@example.org"), &[]), None);
        assert_eq!(role_of(&rules, Some("eve@sub.example.com"), &[]), None);
        assert_eq!(role_of(&rules, None, &["ops".into()]), Some(Role::Operator));
        assert_eq!(
            role_of(&rules, None, &["Ops".into()]),
            None,
            "groups are exact"
        );
        assert_eq!(role_of(&rules, None, &[]), None);
    }
}
