//! Scope policies: a name is allowed when it matches no deny glob and at
//! least one allow glob. Globs are compiled once per loaded vault.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::{Error, ErrorKind, Result};
use crate::format::Policy;

pub struct CompiledPolicy {
    allow: GlobSet,
    deny: GlobSet,
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
        !self.deny.is_match(name) && self.allow.is_match(name)
    }
}

/// Shell-style globs where `*` also crosses `/`; a bad pattern is an error.
pub fn compile_globs(patterns: &[String]) -> Result<GlobSet> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidPattern,
                    format!("invalid glob pattern {pattern:?}: {}", e.kind()),
                )
            })?;
        set.add(glob);
    }
    set.build()
        .map_err(|e| Error::new(ErrorKind::InvalidPattern, format!("invalid glob set: {e}")))
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
        let replaced = match &self.replace_dash {
            Some(with) => secret.replace('-', with),
            None => secret.to_owned(),
        };
        let cased = if self.uppercase {
            replaced.to_uppercase()
        } else {
            replaced
        };
        match &self.prefix {
            Some(prefix) => format!("{prefix}{cased}"),
            None => cased,
        }
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
