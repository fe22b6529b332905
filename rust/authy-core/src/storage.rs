//! The vault directory on disk: where each file lives, how a change is
//! noticed, and how a new vault replaces the old one without a window in
//! which a crash could leave a broken file.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, ErrorKind, Result};

const VAULT_FILE: &str = "vault.age";
const TEMP_PREFIX: &str = ".vault.age.tmp.";

#[derive(Debug, Clone)]
pub struct Paths {
    pub dir: PathBuf,
    pub vault: PathBuf,
    pub lock: PathBuf,
    pub config: PathBuf,
    pub audit: PathBuf,
}

impl Paths {
    pub fn new(dir: PathBuf) -> Self {
        Paths {
            vault: dir.join(VAULT_FILE),
            lock: dir.join(".vault.age.lock"),
            config: dir.join("authy.toml"),
            audit: dir.join("audit.log"),
            dir,
        }
    }

    /// The vault directory: an explicit one, else `AUTHY_DIR`, else
    /// `$HOME/.authy`. Read at open time, never cached.
    pub fn resolve(explicit: Option<&Path>) -> Result<Self> {
        if let Some(dir) = explicit {
            return Ok(Paths::new(dir.to_path_buf()));
        }
        if let Some(dir) = std::env::var_os("AUTHY_DIR").filter(|d| !d.is_empty()) {
            return Ok(Paths::new(PathBuf::from(dir)));
        }
        match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            Some(home) => Ok(Paths::new(PathBuf::from(home).join(".authy"))),
            None => Err(Error::new(
                ErrorKind::Io,
                "no vault directory: pass one, or set AUTHY_DIR or HOME",
            )),
        }
    }
}

/// What identifies one version of the vault file without reading it. A
/// rename always brings a new inode, so a replaced file never matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    ino: u64,
    dev: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Self {
        Stamp {
            len: meta.len(),
            ino: meta.ino(),
            dev: meta.dev(),
            mtime_ns: meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128,
            ctime_ns: meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128,
        }
    }
}

/// The vault file's stamp, or `None` when there is no vault yet.
pub fn stamp(path: &Path) -> Result<Option<Stamp>> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(Stamp::of(&meta))),
        Ok(_) => Err(Error::new(
            ErrorKind::Io,
            format!("{} is not a regular file", path.display()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("stat", path, &e)),
    }
}

/// Whether `file`, the open vault file whose contents were loaded when its
/// stamp was `stamp`, is still linked and unchanged: one `fstat`, without
/// the path lookup of [`stamp`]. A write in place changes the size or the
/// times; a rename over the vault or a delete unlinks the file (no link
/// left); a rename of the file itself or a new hard link changes its
/// ctime. What it cannot see is the path being pointed elsewhere (a
/// directory on it swapped, a symlink changed): callers also compare the
/// path's stamp from time to time.
pub fn unchanged(file: &File, stamp: &Stamp) -> bool {
    match file.metadata() {
        Ok(meta) => meta.nlink() > 0 && Stamp::of(&meta) == *stamp,
        Err(_) => false,
    }
}

/// Reads the vault file and the stamp of exactly the bytes read; the file
/// stays open for [`unchanged`].
pub fn read_vault(path: &Path) -> Result<(Vec<u8>, Stamp, File)> {
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => not_initialized(path),
        _ => Error::io("open", path, &e),
    })?;
    let meta = file.metadata().map_err(|e| Error::io("stat", path, &e))?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::Io,
            format!("{} is not a regular file", path.display()),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    (&file)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, &e))?;
    Ok((bytes, Stamp::of(&meta), file))
}

pub fn not_initialized(path: &Path) -> Error {
    Error::new(
        ErrorKind::VaultNotInitialized,
        format!("no vault at {}: initialize one first", path.display()),
    )
}

/// Creates the vault directory (mode 0700) if it is missing.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io("create directory", dir, &e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io("set permissions of", dir, &e))
}

/// The exclusive advisory lock every writer holds from its re-load to its
/// audit append. Released when dropped (or when the process dies).
pub struct WriteLock {
    _file: File,
}

impl WriteLock {
    pub fn acquire(paths: &Paths) -> Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&paths.lock)
            .map_err(|e| Error::io("open lock file", &paths.lock, &e))?;
        file.lock()
            .map_err(|e| Error::io("lock", &paths.lock, &e))?;
        Ok(WriteLock { _file: file })
    }
}

/// Temporary files are only written under the lock, so any found while we
/// hold it were left by a writer that died. Call with the lock held.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Replaces the vault file: unique temporary (0600), fsync, rename,
/// `after_rename` (the audit append), fsync of the directory. Returns the
/// stamp of the new file and the file, open (for [`unchanged`]).
///
/// The audit lines go in right after the rename, before the directory
/// sync: a writer killed between the two would lose them (the chain stays
/// valid), so the caller stages them beforehand and only their `write` is
/// left in that window.
pub fn write_vault(
    paths: &Paths,
    bytes: &[u8],
    after_rename: impl FnOnce() -> Result<()>,
) -> Result<(Stamp, File)> {
    let temp = paths.dir.join(format!(
        "{TEMP_PREFIX}{}.{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = write_then_rename(&temp, &paths.vault, bytes);
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    let file = result?;
    let logged = after_rename();
    let dir = File::open(&paths.dir).map_err(|e| Error::io("open directory", &paths.dir, &e))?;
    dir.sync_all()
        .map_err(|e| Error::io("sync directory", &paths.dir, &e))?;
    logged?;
    let meta = fs::metadata(&paths.vault).map_err(|e| Error::io("stat", &paths.vault, &e))?;
    Ok((Stamp::of(&meta), file))
}

/// Writes, syncs and renames the temporary; returns it open (it is now
/// the vault file).
fn write_then_rename(temp: &Path, target: &Path, bytes: &[u8]) -> Result<File> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)
        .map_err(|e| Error::io("create", temp, &e))?;
    file.write_all(bytes)
        .map_err(|e| Error::io("write", temp, &e))?;
    // Automatic file times advance in coarse ticks and inodes get reused,
    // so two quick writes of one length could share a stamp. An explicit
    // nanosecond mtime, always past the file it replaces, keeps stamps apart.
    file.set_modified(next_mtime(target))
        .map_err(|e| Error::io("set the time of", temp, &e))?;
    file.sync_all().map_err(|e| Error::io("sync", temp, &e))?;
    fs::rename(temp, target).map_err(|e| Error::io("replace", target, &e))?;
    Ok(file)
}

fn next_mtime(replaced: &Path) -> SystemTime {
    let now = SystemTime::now();
    match fs::metadata(replaced).and_then(|m| m.modified()) {
        Ok(previous) if previous >= now => previous + Duration::from_nanos(1),
        _ => now,
    }
}

/// Writes a small file that must not be readable by others (0600).
pub fn write_private(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).mode(0o600);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Error::io("create", path, &e))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io("write", path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "vault" file with some bytes, loaded the way the client loads it.
    fn loaded(dir: &Path) -> (PathBuf, Stamp, File) {
        let path = dir.join(VAULT_FILE);
        fs::write(&path, b"first").unwrap();
        let (_, stamp, file) = read_vault(&path).unwrap();
        (path, stamp, file)
    }

    #[test]
    fn an_untouched_file_is_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, stamp, file) = loaded(tmp.path());
        assert!(unchanged(&file, &stamp));
    }

    #[test]
    fn a_rename_over_the_file_is_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let (path, stamp, file) = loaded(tmp.path());
        let other = tmp.path().join("next");
        fs::write(&other, b"first").unwrap();
        fs::rename(&other, &path).unwrap();
        assert!(
            !unchanged(&file, &stamp),
            "the replaced file still looked current"
        );
    }

    #[test]
    fn a_delete_is_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let (path, stamp, file) = loaded(tmp.path());
        fs::remove_file(&path).unwrap();
        assert!(!unchanged(&file, &stamp));
    }

    #[test]
    fn a_write_in_place_is_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let (path, stamp, file) = loaded(tmp.path());
        fs::write(&path, b"second, longer").unwrap();
        assert!(!unchanged(&file, &stamp));
    }

    #[test]
    fn moving_the_file_away_is_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let (path, stamp, file) = loaded(tmp.path());
        // A rename changes the ctime of the file renamed, even though it
        // keeps its link.
        std::thread::sleep(Duration::from_millis(20));
        fs::rename(&path, tmp.path().join("elsewhere")).unwrap();
        assert!(!unchanged(&file, &stamp));
    }

    #[test]
    fn a_new_vault_from_write_vault_is_unchanged_until_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::new(tmp.path().to_path_buf());
        let (first, file) = write_vault(&paths, b"one", || Ok(())).unwrap();
        assert_eq!(stamp(&paths.vault).unwrap(), Some(first));
        assert!(unchanged(&file, &first));
        let (next, _) = write_vault(&paths, b"two", || Ok(())).unwrap();
        assert_ne!(next, first);
        assert!(!unchanged(&file, &first));
    }
}
