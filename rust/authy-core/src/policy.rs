//! Scope policies: a name is allowed when it matches no deny glob and at
//! least one allow glob. Globs are compiled once per loaded vault.

use globset::{Candidate, GlobBuilder, GlobMatcher};

use crate::error::{Error, ErrorKind, Result};
use crate::format::Policy;

/// Each glob is matched on its own: GlobSet's extension shortcut misses
/// names such as `..` for `*.`, which the full match gets right.
pub struct CompiledPolicy {
    allow: Vec<GlobMatcher>,
    deny: Vec<GlobMatcher>,
    pub run_only: bool,
}

impl CompiledPolicy {
    pub fn compile(policy: &Policy) -> Result<Self> {
        Ok(CompiledPolicy {
            allow: compile_globs(&policy.allow)?,
            deny: compile_globs(&policy.deny)?,
            run_only: policy.run_only,
        })
    }

    pub fn allows(&self, name: &str) -> bool {
        // One candidate for both sets (building it is most of a match).
        let candidate = Candidate::new(name);
        !self.deny.iter().any(|g| g.is_match_candidate(&candidate))
            && self.allow.iter().any(|g| g.is_match_candidate(&candidate))
    }
}

/// Shell-style globs where `*` also crosses `/`; a bad pattern is an error.
pub fn compile_globs(patterns: &[String]) -> Result<Vec<GlobMatcher>> {
    patterns
        .iter()
        .map(|pattern| {
            GlobBuilder::new(pattern)
                .literal_separator(false)
                .backslash_escape(true)
                .build()
                .map(|glob| glob.compile_matcher())
                .map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidPattern,
                        format!("invalid glob pattern {pattern:?}: {}", e.kind()),
                    )
                })
        })
        .collect()
}

/// Options for turning secret names into environment variable names.
#[derive(Debug, Clone, Default)]
pub struct EnvNaming {
    pub uppercase: bool,
    pub replace_dash: Option<String>,
    pub prefix: Option<String>,
}

impl EnvNaming {
    /// Dashes are replaced first, then the name is upper-cased, and the
    /// prefix goes in front last (so the prefix keeps its own case).
    pub fn variable(&self, secret: &str) -> String {
        // One buffer: the prefix as given, then the name with its dashes
        // replaced, upper-cased in place (ASCII, the usual case) or through
        // `to_uppercase` (which the replacement takes part in, as the rule
        // says: replace first, then upper-case).
        let prefix = self.prefix.as_deref().unwrap_or("");
        let mut out = String::with_capacity(prefix.len() + secret.len() + 8);
        out.push_str(prefix);
        let start = out.len();
        match &self.replace_dash {
            Some(with) => {
                for (i, piece) in secret.split('-').enumerate() {
                    if i > 0 {
                        out.push_str(with);
                    }
                    out.push_str(piece);
                }
            }
            None => out.push_str(secret),
        }
        if self.uppercase {
            if out[start..].is_ascii() {
                out[start..].make_ascii_uppercase();
            } else {
                let upper = out[start..].to_uppercase();
                out.truncate(start);
                out.push_str(&upper);
            }
        }
        out
    }

    pub fn validate(&self) -> Result<()> {
        for (what, text) in [
            ("replaceDash", &self.replace_dash),
            ("prefix", &self.prefix),
        ] {
            if let Some(text) = text {
                if text.chars().any(|c| c.is_control() || c == '=') {
                    return Err(Error::new(
                        ErrorKind::InvalidRequest,
                        format!("{what} must not contain '=' or control characters"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Longest name accepted on write, in bytes.
pub const MAX_NAME_BYTES: usize = 256;

/// Names written by this engine: non-empty, at most 256 bytes, no control
/// characters (NUL included). Names already in a vault are read as they are.
pub fn validate_name(what: &str, name: &str) -> Result<()> {
    let why = if name.is_empty() {
        "must not be empty".to_owned()
    } else if name.len() > MAX_NAME_BYTES {
        format!(
            "is {} bytes long, over the limit of {MAX_NAME_BYTES}",
            name.len()
        )
    } else if name.chars().any(char::is_control) {
        "must not contain control characters or NUL".to_owned()
    } else {
        return Ok(());
    };
    Err(Error::new(
        ErrorKind::InvalidName,
        format!("{what} name {} {why}", shown_name(name)),
    ))
}

/// A name as it may appear in a message: escaped and cut short.
pub fn shown_name(name: &str) -> String {
    if name.len() <= 64 {
        format!("{name:?}")
    } else {
        let mut end = 64;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        format!("{:?}…", &name[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::EnvNaming;

    /// The naming rule as written: replace, then upper-case, then prefix.
    fn by_the_rule(naming: &EnvNaming, secret: &str) -> String {
        let replaced = match &naming.replace_dash {
            Some(with) => secret.replace('-', with),
            None => secret.to_owned(),
        };
        let cased = if naming.uppercase {
            replaced.to_uppercase()
        } else {
            replaced
        };
        format!("{}{cased}", naming.prefix.as_deref().unwrap_or(""))
    }

    #[test]
    fn variable_names_follow_the_rule() {
        let secrets = ["db-url", "a--b-", "straße-ﬁ", "ǆ-x", "-", "", "MiXed_1-2"];
        for uppercase in [true, false] {
            for replace_dash in [
                None,
                Some("_".to_owned()),
                Some("-ß".to_owned()),
                Some(String::new()),
            ] {
                for prefix in [None, Some("app_".to_owned()), Some("ß-".to_owned())] {
                    let naming = EnvNaming {
                        uppercase,
                        replace_dash: replace_dash.clone(),
                        prefix,
                    };
                    for secret in secrets {
                        assert_eq!(
                            naming.variable(secret),
                            by_the_rule(&naming, secret),
                            "{secret:?} {naming:?}"
                        );
                    }
                }
            }
        }
    }
}
