//! An open vault: credentials, the decrypted vault kept in memory, and
//! every operation. Reads do no crypto while the file is unchanged; writes
//! hold the directory's lock from re-load to audit append.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::audit::{AuditEntry, AuditLog, DerivedKey, Event, Verification};
use crate::config::Config;
use crate::crypto::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::format::{Policy, SessionRecord, Vault};
use crate::ops::{self, Draft, WriteOp, WriteOutcome};
use crate::policy::{compile_globs, shown_name, validate_name, CompiledPolicy, EnvNaming};
use crate::session;
use crate::storage::{self, Paths, Stamp, WriteLock};
use crate::time::{self, Timestamp};

/// How a client proves it may open the vault.
pub enum Auth {
    Passphrase(Zeroizing<String>),
    Keyfile(PathBuf),
    /// `AUTHY_KEYFILE` first, then `AUTHY_PASSPHRASE`.
    FromEnv,
    /// Read-only access limited to the token's scope; needs the keyfile.
    Token {
        token: Zeroizing<String>,
        keyfile: PathBuf,
    },
}

pub struct OpenOptions {
    pub dir: Option<PathBuf>,
    pub auth: Auth,
    /// Log reads (`get`, `list`, `build_env_map`, `policy.test`) as the
    /// authy tool does. Writes are always logged while auditing is on.
    pub audit_reads: bool,
}

enum Access {
    Owner,
    Token { hmac: Vec<u8> },
}

/// The rights a call runs with: everything, or one session's scope,
/// read-only. A session sees its own policy and record, nobody else's.
struct Grant {
    scope: Option<String>,
    session: Option<String>,
    run_only: bool,
}

impl Grant {
    fn sees_policy(&self, name: &str) -> bool {
        self.scope.as_deref().is_none_or(|scope| scope == name)
    }

    fn sees_session(&self, id: &str) -> bool {
        self.session.as_deref().is_none_or(|own| own == id)
    }
}

struct Loaded {
    stamp: Stamp,
    /// The vault file these contents came from, kept open so that a read
    /// can tell it is unchanged with one `fstat` (no path lookup).
    file: File,
    /// When the path last led to this file (its stamp was compared).
    path_checked: Instant,
    vault: Vault,
    compiled: HashMap<String, Arc<CompiledPolicy>>,
    /// Names each scope allows, sorted, found once per load.
    scope_names: HashMap<String, Arc<Vec<String>>>,
}

/// How long reads may rely on the open vault file alone between two
/// lookups of its path. Any change to the file itself (a write in place, a
/// rename over it, a delete) is seen by the next read whatever this is;
/// only the path being pointed at another file (a directory on it swapped,
/// a symlink changed) waits for the next lookup, so for at most this long.
/// Writes always look the path up.
const PATH_RECHECK: Duration = Duration::from_millis(10);

pub struct Client {
    paths: Paths,
    credential: Credential,
    keyfile: Option<PathBuf>,
    access: Access,
    audit: AuditLog,
    audit_enabled: bool,
    audit_reads: bool,
    session_key: DerivedKey,
    loaded: Option<Loaded>,
    decryptions: u64,
}

/// A policy as callers see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    pub name: String,
    pub description: Option<String>,
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    pub run_only: bool,
    pub created_at: String,
    pub modified_at: String,
}

/// A new policy, or every field of a replaced one.
#[derive(Debug, Clone, Default)]
pub struct PolicySpec {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    pub description: Option<String>,
    pub run_only: bool,
}

/// Fields to change in a policy; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PolicyChanges {
    pub allow: Option<Vec<String>>,
    pub deny: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub run_only: Option<bool>,
}

/// A session record without its token HMAC.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    pub scope: String,
    pub label: Option<String>,
    pub run_only: bool,
    pub revoked: bool,
    pub created_at: String,
    pub expires_at: String,
}

/// A new session: the token is shown once and never stored.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSession {
    pub token: Zeroizing<String>,
    pub id: String,
    pub expires_at: String,
}

/// A freshly generated keyfile's public half.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedKeyfile {
    pub public_key: String,
}

impl Client {
    /// Opens a vault directory. When a vault exists it is decrypted now,
    /// so a wrong credential fails here rather than on first use.
    pub fn open(options: OpenOptions) -> Result<Self> {
        let paths = Paths::resolve(options.dir.as_deref())?;
        let (credential, keyfile, access) = match options.auth {
            Auth::Passphrase(p) => (Credential::passphrase(&p), None, Access::Owner),
            Auth::Keyfile(path) => (Credential::from_keyfile(&path)?, Some(path), Access::Owner),
            Auth::FromEnv => {
                let (credential, keyfile) = credential_from_env()?;
                (credential, keyfile, Access::Owner)
            }
            Auth::Token { token, keyfile } => {
                session::check_shape(&token)?;
                let credential = Credential::from_keyfile(&keyfile)?;
                let key = DerivedKey::derive(credential.ikm(), "session-hmac");
                let hmac = session::token_hmac(&key, &token);
                (credential, Some(keyfile), Access::Token { hmac })
            }
        };
        let config = Config::load(&paths.config)?;
        let actor = match access {
            Access::Owner => format!("api({})", credential.method()),
            Access::Token { .. } => "api(token)".to_owned(),
        };
        let audit_key = DerivedKey::derive(credential.ikm(), "audit-hmac");
        let mut client = Client {
            audit: AuditLog::new(paths.audit.clone(), audit_key, actor),
            audit_enabled: config.audit.enabled,
            audit_reads: options.audit_reads,
            session_key: DerivedKey::derive(credential.ikm(), "session-hmac"),
            paths,
            credential,
            keyfile,
            access,
            loaded: None,
            decryptions: 0,
        };
        match client.refresh() {
            Ok(()) => {
                client.grant()?;
            }
            Err(e) if e.kind == ErrorKind::VaultNotInitialized => {
                if matches!(client.access, Access::Token { .. }) {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        Ok(client)
    }

    pub fn dir(&self) -> &Path {
        &self.paths.dir
    }

    /// How many times this client has decrypted the vault file: once per
    /// change on disk by someone else, never per read.
    pub fn decryptions(&self) -> u64 {
        self.decryptions
    }

    /// Whether a vault file exists in the directory (no credentials needed).
    pub fn is_initialized(dir: Option<&Path>) -> Result<bool> {
        let paths = Paths::resolve(dir)?;
        Ok(storage::stamp(&paths.vault)?.is_some())
    }

    /// Writes a new age identity (0600) and its recipient to `<path>.pub`.
    pub fn generate_keyfile(path: &Path) -> Result<GeneratedKeyfile> {
        if path.exists() {
            return Err(Error::new(
                ErrorKind::KeyfileAlreadyExists,
                format!(
                    "{} already exists; refusing to overwrite a key",
                    path.display()
                ),
            ));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            storage::ensure_dir(parent)?;
        }
        let (secret, public_key) = crate::crypto::generate_identity();
        let text = Zeroizing::new(format!(
            "{}\n",
            age::secrecy::ExposeSecret::expose_secret(&secret)
        ));
        storage::write_private(path, text.as_bytes(), false)?;
        let mut pub_path = path.as_os_str().to_owned();
        pub_path.push(".pub");
        std::fs::write(&pub_path, format!("{public_key}\n"))
            .map_err(|e| Error::io("write", Path::new(&pub_path), &e))?;
        Ok(GeneratedKeyfile { public_key })
    }

    /// Creates an empty vault, and `authy.toml` with defaults if missing.
    pub fn init(&mut self) -> Result<()> {
        self.refuse_token()?;
        storage::ensure_dir(&self.paths.dir)?;
        let _lock = WriteLock::acquire(&self.paths)?;
        if storage::stamp(&self.paths.vault)?.is_some() {
            return Err(Error::new(
                ErrorKind::VaultAlreadyExists,
                format!("a vault already exists at {}", self.paths.vault.display()),
            ));
        }
        if !self.paths.config.exists() {
            let config = Config::new(self.credential.method(), self.keyfile.as_deref());
            storage::write_private(&self.paths.config, config.to_toml().as_bytes(), false)?;
        }
        let now = time::now();
        let mut draft = Draft::new(Vault::empty(now), now);
        draft.events.push(Event::new("init", None, "success"));
        draft.changed = true;
        self.save(draft)
    }

    pub fn get(&mut self, name: &str) -> Result<Zeroizing<String>> {
        self.get_or_null(name)?
            .ok_or_else(|| ops::secret_not_found(name))
    }

    pub fn get_or_null(&mut self, name: &str) -> Result<Option<Zeroizing<String>>> {
        Ok(self.get_or_null_ref(name)?.cloned())
    }

    /// [`Client::get_or_null`] without copying the value: it is borrowed
    /// from the vault until the next call.
    pub fn get_or_null_ref(&mut self, name: &str) -> Result<Option<&Zeroizing<String>>> {
        self.refresh()?;
        let grant = self.grant()?;
        if let Some(scope) = &grant.scope {
            if !self.policy(scope)?.allows(name) {
                let detail = format!("scope={scope}");
                self.audit_read(Event::new("get", Some(name), "denied").detail(detail))?;
                return Err(Error::new(
                    ErrorKind::AccessDenied,
                    format!("scope {scope:?} does not allow secret {}", shown_name(name)),
                ));
            }
            if grant.run_only {
                self.audit_read(Event::new("get", Some(name), "denied").detail("run_only"))?;
                return Err(run_only_error(scope));
            }
        }
        let outcome = if self.vault().secrets.contains_key(name) {
            "success"
        } else {
            "not_found"
        };
        self.audit_read(Event::new("get", Some(name), outcome))?;
        Ok(self.vault().secrets.get(name).map(|e| &e.value))
    }

    pub fn store(&mut self, name: &str, value: Zeroizing<String>, force: bool) -> Result<()> {
        self.write(|draft| ops::store(draft, name, value, force))
    }

    pub fn remove(&mut self, name: &str) -> Result<bool> {
        self.write(|draft| Ok(ops::remove(draft, name)))
    }

    pub fn rotate(&mut self, name: &str, value: Zeroizing<String>) -> Result<u64> {
        self.write(|draft| ops::rotate(draft, name, value))
    }

    /// Applies every write to one draft and saves once; if one fails,
    /// none is saved.
    pub fn batch(&mut self, writes: Vec<WriteOp>) -> Result<Vec<WriteOutcome>> {
        self.write(|draft| writes.into_iter().map(|op| op.apply(draft)).collect())
    }

    /// Secret names, sorted; limited to what `scope` allows when given.
    pub fn list(&mut self, scope: Option<&str>) -> Result<Vec<String>> {
        self.refresh()?;
        let grant = self.grant()?;
        let mut filters = Vec::new();
        for scope in grant.scope.iter().map(String::as_str).chain(scope) {
            filters.push(self.policy(scope)?);
        }
        let names = self
            .vault()
            .secrets
            .keys()
            .filter(|name| filters.iter().all(|p| p.allows(name)))
            .cloned()
            .collect();
        let mut event = Event::new("list", None, "success");
        if let Some(scope) = scope {
            event = event.detail(format!("scope={scope}"));
        }
        self.audit_read(event)?;
        Ok(names)
    }

    /// The scope's secrets keyed by environment variable name. Two secrets
    /// that would land on one variable are an error, never an overwrite.
    pub fn build_env_map(
        &mut self,
        scope: &str,
        naming: &EnvNaming,
    ) -> Result<BTreeMap<String, Zeroizing<String>>> {
        let entries = self.env_map_entries(scope, naming)?;
        Ok(entries
            .into_iter()
            .map(|(variable, value)| (variable, value.clone()))
            .collect())
    }

    /// [`Client::build_env_map`] without copying the values: the variables
    /// in order, each with the value it maps to, borrowed from the vault.
    pub fn env_map_entries(
        &mut self,
        scope: &str,
        naming: &EnvNaming,
    ) -> Result<Vec<(String, &Zeroizing<String>)>> {
        naming.validate()?;
        self.refresh()?;
        let grant = self.grant()?;
        if let Some(granted) = &grant.scope {
            if granted != scope {
                self.audit_read(
                    Event::new("build_env_map", None, "denied").detail(format!("scope={scope}")),
                )?;
                return Err(Error::new(
                    ErrorKind::AccessDenied,
                    format!("this session may only read scope {granted:?}, not {scope:?}"),
                ));
            }
        }
        let policy = self.policy(scope)?;
        if grant.run_only || policy.run_only {
            self.audit_read(
                Event::new("build_env_map", None, "denied").detail(format!("scope={scope}")),
            )?;
            return Err(run_only_error(scope));
        }
        let names = self.scope_names(scope, &policy);
        // Variables sorted (stably, so equal ones keep the names' order),
        // each with the index of its secret in `names`.
        let mut variables: Vec<(String, usize)> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (naming.variable(name), i))
            .collect();
        variables.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some((first, second)) = first_collision(&variables) {
            return Err(Error::new(
                ErrorKind::EnvNameCollision,
                format!(
                    "secrets {} and {} both map to variable {:?}",
                    shown_name(&names[first]),
                    shown_name(&names[second]),
                    variables
                        .iter()
                        .find(|v| v.1 == second)
                        .map_or("", |v| &v.0)
                ),
            ));
        }
        let count = variables.len();
        self.audit_read(
            Event::new("build_env_map", None, "success")
                .detail(format!("scope={scope}, count={count}")),
        )?;
        let entries = scope_entries(&self.vault().secrets, &names);
        Ok(variables
            .into_iter()
            .map(|(variable, i)| (variable, &entries[i].value))
            .collect())
    }

    pub fn test_policy(&mut self, scope: &str, name: &str) -> Result<bool> {
        self.refresh()?;
        self.grant()?;
        let allowed = self.policy(scope)?.allows(name);
        let outcome = if allowed { "allowed" } else { "denied" };
        self.audit_read(
            Event::new("policy.test", Some(name), outcome).detail(format!("scope={scope}")),
        )?;
        Ok(allowed)
    }

    pub fn create_policy(&mut self, name: &str, spec: PolicySpec) -> Result<()> {
        validate_name("policy", name)?;
        compile_globs(&spec.allow)?;
        compile_globs(&spec.deny)?;
        self.write(|draft| {
            if draft.vault.policies.contains_key(name) {
                return Err(Error::new(
                    ErrorKind::PolicyAlreadyExists,
                    format!("policy {} already exists", shown_name(name)),
                ));
            }
            let policy = Policy {
                name: name.to_owned(),
                description: spec.description,
                allow: spec.allow,
                deny: spec.deny,
                created_at: draft.now,
                modified_at: draft.now,
                run_only: spec.run_only,
            };
            draft.vault.policies.insert(name.to_owned(), policy);
            draft.events.push(
                Event::new("policy.create", None, "success").detail(format!("policy={name}")),
            );
            draft.changed = true;
            Ok(())
        })
    }

    pub fn update_policy(&mut self, name: &str, changes: PolicyChanges) -> Result<PolicyView> {
        for globs in [&changes.allow, &changes.deny].into_iter().flatten() {
            compile_globs(globs)?;
        }
        self.write(|draft| {
            let now = draft.now;
            let policy = draft
                .vault
                .policies
                .get_mut(name)
                .ok_or_else(|| policy_not_found(name))?;
            if let Some(allow) = changes.allow {
                policy.allow = allow;
            }
            if let Some(deny) = changes.deny {
                policy.deny = deny;
            }
            if let Some(description) = changes.description {
                policy.description = description;
            }
            if let Some(run_only) = changes.run_only {
                policy.run_only = run_only;
            }
            policy.modified_at = now;
            let view = policy_view(policy);
            draft.events.push(
                Event::new("policy.update", None, "success").detail(format!("policy={name}")),
            );
            draft.changed = true;
            Ok(view)
        })
    }

    pub fn remove_policy(&mut self, name: &str) -> Result<bool> {
        self.write(|draft| {
            let removed = draft.vault.policies.remove(name).is_some();
            let outcome = if removed { "success" } else { "not_found" };
            draft
                .events
                .push(Event::new("policy.remove", None, outcome).detail(format!("policy={name}")));
            draft.changed |= removed;
            Ok(removed)
        })
    }

    pub fn get_policy(&mut self, name: &str) -> Result<PolicyView> {
        self.refresh()?;
        if !self.grant()?.sees_policy(name) {
            return Err(Error::new(
                ErrorKind::AccessDenied,
                format!(
                    "this session may only read its own policy, not {}",
                    shown_name(name)
                ),
            ));
        }
        self.vault()
            .policies
            .get(name)
            .map(policy_view)
            .ok_or_else(|| policy_not_found(name))
    }

    pub fn list_policies(&mut self) -> Result<Vec<PolicyView>> {
        self.refresh()?;
        let grant = self.grant()?;
        Ok(self
            .vault()
            .policies
            .values()
            .filter(|p| grant.sees_policy(&p.name))
            .map(policy_view)
            .collect())
    }

    pub fn create_session(
        &mut self,
        scope: &str,
        ttl_seconds: u64,
        label: Option<String>,
        run_only: bool,
    ) -> Result<NewSession> {
        let ttl = i64::try_from(ttl_seconds)
            .ok()
            .filter(|s| (1..=10 * 365 * 24 * 3600).contains(s))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    "ttlSeconds must be between 1 and ten years",
                )
            })?;
        let key = self.session_key.clone();
        self.write(|draft| {
            if !draft.vault.policies.contains_key(scope) {
                return Err(policy_not_found(scope));
            }
            let (token, id) = session::new_token();
            let expires_at = draft.now + chrono::Duration::seconds(ttl);
            draft.vault.sessions.push(SessionRecord {
                id: id.clone(),
                scope: scope.to_owned(),
                token_hmac: session::token_hmac(&key, &token),
                created_at: draft.now,
                expires_at,
                revoked: false,
                label,
                run_only,
            });
            draft.events.push(
                Event::new("session.create", None, "success")
                    .detail(format!("scope={scope}, id={id}")),
            );
            draft.changed = true;
            Ok(NewSession {
                token,
                id,
                expires_at: time::format_z(&expires_at),
            })
        })
    }

    pub fn list_sessions(&mut self) -> Result<Vec<SessionView>> {
        self.refresh()?;
        let grant = self.grant()?;
        Ok(self
            .vault()
            .sessions
            .iter()
            .filter(|r| grant.sees_session(&r.id))
            .map(session_view)
            .collect())
    }

    pub fn revoke_session(&mut self, id: &str) -> Result<()> {
        self.write(|draft| {
            let record = draft
                .vault
                .sessions
                .iter_mut()
                .find(|r| r.id == id)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::SessionNotFound,
                        format!("session {id:?} not found"),
                    )
                })?;
            record.revoked = true;
            draft
                .events
                .push(Event::new("session.revoke", None, "success").detail(format!("id={id}")));
            draft.changed = true;
            Ok(())
        })
    }

    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        self.audit.entries()
    }

    pub fn verify_audit(&self) -> Result<Verification> {
        self.audit.verify()
    }

    // ---- internals ----

    fn vault(&self) -> &Vault {
        &self
            .loaded
            .as_ref()
            .expect("refresh() succeeded before use")
            .vault
    }

    /// Re-reads the vault only when the file changed since it was loaded.
    fn refresh(&mut self) -> Result<()> {
        self.refresh_from(false)
    }

    /// `refresh`, but always through the path (for writes).
    fn refresh_exact(&mut self) -> Result<()> {
        self.refresh_from(true)
    }

    fn refresh_from(&mut self, look_up_path: bool) -> Result<()> {
        if let Some(loaded) = &self.loaded {
            if !look_up_path
                && loaded.path_checked.elapsed() < PATH_RECHECK
                && storage::unchanged(&loaded.file, &loaded.stamp)
            {
                return Ok(());
            }
        }
        let Some(stamp) = storage::stamp(&self.paths.vault)? else {
            self.loaded = None;
            return Err(storage::not_initialized(&self.paths.vault));
        };
        if let Some(loaded) = self.loaded.as_mut().filter(|l| l.stamp == stamp) {
            loaded.path_checked = Instant::now();
            return Ok(());
        }
        let (ciphertext, stamp, file) = storage::read_vault(&self.paths.vault)?;
        if ciphertext.is_empty() {
            return Err(Error::new(
                ErrorKind::Decryption,
                format!(
                    "cannot decrypt vault: {} is empty",
                    self.paths.vault.display()
                ),
            ));
        }
        self.decryptions += 1;
        let plaintext = self.credential.decrypt(&ciphertext)?;
        // Ciphertext, plaintext and the decoded vault need not all be in
        // memory at once.
        drop(ciphertext);
        let vault = Vault::decode(&plaintext)?;
        drop(plaintext);
        self.loaded = Some(Loaded {
            stamp,
            file,
            path_checked: Instant::now(),
            vault,
            compiled: HashMap::new(),
            scope_names: HashMap::new(),
        });
        Ok(())
    }

    /// The rights of this call. Token sessions are checked on every call,
    /// so expiry and revocation (even by another process) take effect.
    fn grant(&self) -> Result<Grant> {
        match &self.access {
            Access::Owner => Ok(Grant {
                scope: None,
                session: None,
                run_only: false,
            }),
            Access::Token { hmac } => {
                let record = session::validate(&self.vault().sessions, hmac, time::now())?;
                Ok(Grant {
                    scope: Some(record.scope.clone()),
                    session: Some(record.id.clone()),
                    run_only: record.run_only,
                })
            }
        }
    }

    /// The compiled form of a scope's policy, compiled once per load.
    fn policy(&mut self, scope: &str) -> Result<Arc<CompiledPolicy>> {
        let loaded = self
            .loaded
            .as_mut()
            .expect("refresh() succeeded before use");
        if let Some(compiled) = loaded.compiled.get(scope) {
            return Ok(compiled.clone());
        }
        let policy = loaded
            .vault
            .policies
            .get(scope)
            .ok_or_else(|| policy_not_found(scope))?;
        let compiled = Arc::new(CompiledPolicy::compile(policy)?);
        loaded.compiled.insert(scope.to_owned(), compiled.clone());
        Ok(compiled)
    }

    /// The secret names `policy` (the compiled policy of `scope`) allows,
    /// sorted; matched once per load, so a scope's reads cost what the
    /// scope holds rather than what the vault holds.
    fn scope_names(&mut self, scope: &str, policy: &CompiledPolicy) -> Arc<Vec<String>> {
        let loaded = self
            .loaded
            .as_mut()
            .expect("refresh() succeeded before use");
        if let Some(names) = loaded.scope_names.get(scope) {
            return names.clone();
        }
        let names: Arc<Vec<String>> = Arc::new(
            loaded
                .vault
                .secrets
                .keys()
                .filter(|name| policy.allows(name))
                .cloned()
                .collect(),
        );
        loaded.scope_names.insert(scope.to_owned(), names.clone());
        names
    }

    fn refuse_token(&self) -> Result<()> {
        match self.access {
            Access::Owner => Ok(()),
            Access::Token { .. } => Err(Error::new(
                ErrorKind::TokenReadOnly,
                "session tokens are read-only",
            )),
        }
    }

    fn audit_read(&mut self, event: Event) -> Result<()> {
        if !(self.audit_enabled && self.audit_reads) {
            return Ok(());
        }
        let _lock = WriteLock::acquire(&self.paths)?;
        self.audit.append(time::now(), &[event])
    }

    /// Runs one change under the lock against the newest vault on disk.
    fn write<T>(&mut self, change: impl FnOnce(&mut Draft) -> Result<T>) -> Result<T> {
        self.refuse_token()?;
        // Without a vault (perhaps without even its directory, where the
        // lock file lives) the answer is "not initialized", not an I/O error.
        if storage::stamp(&self.paths.vault)?.is_none() {
            self.loaded = None;
            return Err(storage::not_initialized(&self.paths.vault));
        }
        let _lock = WriteLock::acquire(&self.paths)?;
        storage::remove_stale_temporaries(&self.paths.dir);
        self.refresh_exact()?;
        let mut draft = Draft::new(self.vault().clone(), time::now());
        match change(&mut draft) {
            Ok(value) => {
                self.save(draft)?;
                Ok(value)
            }
            Err(err) => {
                // Only refusals are logged: nothing of the draft was saved.
                draft.events.retain(|e| e.outcome != "success");
                self.log(draft.now, &draft.events)?;
                Err(err)
            }
        }
    }

    /// Encrypts and saves a draft (when it changed anything) and logs its
    /// events. The caller holds the lock.
    fn save(&mut self, mut draft: Draft) -> Result<()> {
        if draft.changed {
            // The events are staged first (a damaged log refuses the write
            // before anything is saved) and written the moment the new
            // vault is in place.
            let staged = if self.audit_enabled {
                self.audit.stage(draft.now, &draft.events)?
            } else {
                None
            };
            draft.vault.modified_at = draft.now;
            let plaintext = draft.vault.encode()?;
            let ciphertext = self.credential.encrypt(&plaintext)?;
            let audit = &mut self.audit;
            let (stamp, file) = storage::write_vault(&self.paths, &ciphertext, || {
                staged.map_or(Ok(()), |staged| audit.commit(staged))
            })?;
            let compiled = match self.loaded.take() {
                Some(old) if old.vault.policies == draft.vault.policies => old.compiled,
                _ => HashMap::new(),
            };
            self.loaded = Some(Loaded {
                stamp,
                file,
                path_checked: Instant::now(),
                vault: draft.vault,
                compiled,
                scope_names: HashMap::new(),
            });
            return Ok(());
        }
        self.log(draft.now, &draft.events)
    }

    fn log(&mut self, now: Timestamp, events: &[Event]) -> Result<()> {
        if self.audit_enabled {
            self.audit.append(now, events)
        } else {
            Ok(())
        }
    }
}

fn credential_from_env() -> Result<(Credential, Option<PathBuf>)> {
    if let Some(path) = std::env::var_os("AUTHY_KEYFILE").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return Ok((Credential::from_keyfile(&path)?, Some(path)));
    }
    if let Some(pass) = std::env::var_os("AUTHY_PASSPHRASE").filter(|v| !v.is_empty()) {
        let pass = Zeroizing::new(pass.into_string().map_err(|_| {
            Error::new(ErrorKind::AuthFailed, "AUTHY_PASSPHRASE is not valid UTF-8")
        })?);
        return Ok((Credential::passphrase(&pass), None));
    }
    Err(Error::new(
        ErrorKind::AuthFailed,
        "no credentials in the environment: set AUTHY_KEYFILE or AUTHY_PASSPHRASE",
    ))
}

/// The collision a walk of the names in order meets first, as indices of
/// (the earlier name, the later one): among the groups of names that share
/// a variable, the one whose second name comes first. `variables` is
/// sorted stably by variable, so each group is in name order.
fn first_collision(variables: &[(String, usize)]) -> Option<(usize, usize)> {
    let mut found: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < variables.len() {
        let mut j = i + 1;
        while j < variables.len() && variables[j].0 == variables[i].0 {
            j += 1;
        }
        if j - i > 1 {
            let pair = (variables[i].1, variables[i + 1].1);
            if found.is_none_or(|(_, second)| pair.1 < second) {
                found = Some(pair);
            }
        }
        i = j;
    }
    found
}

/// The entries of `names` (sorted, all present) in one ordered walk over
/// the span of the vault they cover, instead of one lookup per name.
fn scope_entries<'a>(
    secrets: &'a BTreeMap<String, crate::format::SecretEntry>,
    names: &[String],
) -> Vec<&'a crate::format::SecretEntry> {
    let (Some(first), Some(last)) = (names.first(), names.last()) else {
        return Vec::new();
    };
    let mut wanted = names.iter().peekable();
    let mut entries = Vec::with_capacity(names.len());
    let span = secrets.range::<str, _>((
        std::ops::Bound::Included(first.as_str()),
        std::ops::Bound::Included(last.as_str()),
    ));
    for (name, entry) in span {
        if wanted.peek().is_some_and(|w| *w == name) {
            entries.push(entry);
            wanted.next();
        }
    }
    debug_assert!(wanted.peek().is_none(), "scope names come from this load");
    entries
}

fn policy_not_found(name: &str) -> Error {
    Error::new(
        ErrorKind::PolicyNotFound,
        format!("policy {} not found", shown_name(name)),
    )
}

fn run_only_error(scope: &str) -> Error {
    Error::new(
        ErrorKind::RunOnly,
        format!(
            "scope {scope:?} is run-only: its values may only be injected into a child process"
        ),
    )
}

fn policy_view(policy: &Policy) -> PolicyView {
    PolicyView {
        name: policy.name.clone(),
        description: policy.description.clone(),
        allow: policy.allow.clone(),
        deny: policy.deny.clone(),
        run_only: policy.run_only,
        created_at: time::format_z(&policy.created_at),
        modified_at: time::format_z(&policy.modified_at),
    }
}

fn session_view(record: &SessionRecord) -> SessionView {
    SessionView {
        id: record.id.clone(),
        scope: record.scope.clone(),
        label: record.label.clone(),
        run_only: record.run_only,
        revoked: record.revoked,
        created_at: time::format_z(&record.created_at),
        expires_at: time::format_z(&record.expires_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path, keyfile: &Path) -> Client {
        Client::open(OpenOptions {
            dir: Some(dir.to_path_buf()),
            auth: Auth::Keyfile(keyfile.to_path_buf()),
            audit_reads: false,
        })
        .unwrap()
    }

    fn naming() -> EnvNaming {
        EnvNaming {
            uppercase: true,
            replace_dash: Some("_".into()),
            prefix: None,
        }
    }

    #[test]
    fn a_scope_sees_every_write_after_its_names_were_cached() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, key) = (tmp.path().join("v"), tmp.path().join("k"));
        Client::generate_keyfile(&key).unwrap();
        let mut a = open(&dir, &key);
        a.init().unwrap();
        a.store("app-one", "1".to_owned().into(), false).unwrap();
        a.create_policy(
            "app",
            PolicySpec {
                allow: vec!["app-*".into()],
                ..PolicySpec::default()
            },
        )
        .unwrap();
        let keys = |c: &mut Client| -> Vec<String> {
            c.build_env_map("app", &naming())
                .unwrap()
                .into_keys()
                .collect()
        };
        assert_eq!(keys(&mut a), ["APP_ONE"]);
        // A write by this client, then one by another client.
        a.store("app-two", "2".to_owned().into(), false).unwrap();
        assert_eq!(keys(&mut a), ["APP_ONE", "APP_TWO"]);
        let mut b = open(&dir, &key);
        b.remove("app-one").unwrap();
        assert_eq!(keys(&mut a), ["APP_TWO"]);
    }

    #[test]
    fn the_collision_reported_is_the_first_a_walk_of_the_names_meets() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, key) = (tmp.path().join("v"), tmp.path().join("k"));
        Client::generate_keyfile(&key).unwrap();
        let mut c = open(&dir, &key);
        c.init().unwrap();
        // In name order: B, a-1, a_1, b. "B" and "b" share B but a walk
        // meets a-1 / a_1 (A_1) first.
        for name in ["B", "a-1", "a_1", "b"] {
            c.store(name, "v".to_owned().into(), false).unwrap();
        }
        c.create_policy(
            "all",
            PolicySpec {
                allow: vec!["*".into()],
                ..PolicySpec::default()
            },
        )
        .unwrap();
        let err = c.build_env_map("all", &naming()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::EnvNameCollision);
        assert_eq!(
            err.message,
            r#"secrets "a-1" and "a_1" both map to variable "A_1""#
        );
        c.remove("a_1").unwrap();
        let err = c.build_env_map("all", &naming()).unwrap_err();
        assert_eq!(
            err.message,
            r#"secrets "B" and "b" both map to variable "B""#
        );
        c.remove("b").unwrap();
        let map = c.build_env_map("all", &naming()).unwrap();
        let pairs: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("A_1", "v"), ("B", "v")]);
    }

    #[test]
    fn a_directory_swapped_on_the_path_is_seen_within_the_recheck_time() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, key) = (tmp.path().join("v"), tmp.path().join("k"));
        Client::generate_keyfile(&key).unwrap();
        let mut reader = open(&dir, &key);
        reader.init().unwrap();
        reader.store("s", "old".to_owned().into(), false).unwrap();
        assert_eq!(reader.get("s").unwrap().as_str(), "old");
        // Another vault takes the directory's place; the old file is left
        // as it was, so only the path tells them apart.
        std::fs::rename(&dir, tmp.path().join("v.old")).unwrap();
        let mut other = open(&dir, &key);
        other.init().unwrap();
        other.store("s", "new".to_owned().into(), false).unwrap();
        std::thread::sleep(PATH_RECHECK * 2);
        assert_eq!(reader.get("s").unwrap().as_str(), "new");
    }
}
