//! Vault decoding: arbitrary bytes as the plaintext of a decrypted vault.
//! Decoding either fails with a Serialization or UnsupportedVersion error,
//! or gives a vault that encodes and decodes to itself. A vault that
//! decodes is then written, encrypted, as a real vault file and used the
//! way a client uses one (lists, scopes with whatever globs it holds, env
//! maps, sessions, a write), which must not panic, and the write must keep
//! everything else in it as it was.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use authy_core::crypto::Credential;
use authy_core::format::Vault;
use authy_core::{Auth, Client, EnvNaming, ErrorKind, OpenOptions};
use libfuzzer_sys::fuzz_target;

struct Scratch {
    dir: PathBuf,
    keyfile: PathBuf,
}

fn scratch() -> &'static Scratch {
    static SCRATCH: OnceLock<Scratch> = OnceLock::new();
    SCRATCH.get_or_init(|| {
        let base = ["/dev/shm", "/tmp"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let root = base.join(format!("authy-fuzz-decode-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("vault");
        std::fs::create_dir_all(&dir).unwrap();
        // No audit log: this target is about the vault.
        std::fs::write(
            dir.join("authy.toml"),
            "[vault]\nauth_method = \"keyfile\"\n[audit]\nenabled = false\n",
        )
        .unwrap();
        let keyfile = root.join("owner.key");
        Client::generate_keyfile(&keyfile).unwrap();
        Scratch { dir, keyfile }
    })
}

fuzz_target!(|data: &[u8]| {
    let vault = match Vault::decode(data) {
        Ok(vault) => vault,
        Err(e) => {
            assert!(
                matches!(e.kind, ErrorKind::Serialization | ErrorKind::UnsupportedVersion),
                "{e}"
            );
            return;
        }
    };
    let bytes = vault.encode().expect("a decoded vault encodes");
    let again = Vault::decode(&bytes).expect("an encoded vault decodes");
    assert!(again == vault, "decode(encode(v)) differs from v");
    assert_eq!(*again.encode().unwrap(), *bytes, "two encodings of one vault");

    // The same bytes as a vault file on disk, used by a client.
    let s = scratch();
    let credential = Credential::from_keyfile(&s.keyfile).unwrap();
    let file = s.dir.join("vault.age");
    std::fs::write(&file, credential.encrypt(data).unwrap()).unwrap();
    let mut client = Client::open(OpenOptions {
        dir: Some(s.dir.clone()),
        auth: Auth::Keyfile(s.keyfile.clone()),
        audit_reads: false,
    })
    .expect("a vault that decodes opens");
    let names = client.list(None).expect("list");
    assert_eq!(names.len(), vault.secrets.len());
    let naming = EnvNaming {
        uppercase: true,
        replace_dash: Some("_".into()),
        prefix: Some("P_".into()),
    };
    for scope in vault.policies.keys() {
        let _ = client.list(Some(scope));
        let _ = client.build_env_map(scope, &naming);
        if let Some(name) = names.first() {
            let _ = client.test_policy(scope, name);
        }
        let _ = client.get_policy(scope);
    }
    for name in names.iter().take(8) {
        let _ = client.get(name);
    }
    let _ = client.list_policies();
    let _ = client.list_sessions();

    // A write keeps everything it did not touch.
    let name = "fuzz-written";
    client
        .store(name, String::from("v").into(), true)
        .expect("a store into a vault that decodes");
    let plain = credential.decrypt(&std::fs::read(&file).unwrap()).unwrap();
    let mut after = Vault::decode(&plain).expect("the written vault decodes");
    assert!(after.secrets.remove(name).is_some(), "the write is there");
    let mut before = vault;
    before.secrets.remove(name);
    assert!(after.secrets == before.secrets, "a write changed other secrets");
    assert!(after.policies == before.policies, "a write changed policies");
    assert!(after.sessions == before.sessions, "a write changed sessions");
    assert_eq!(after.version, before.version);
    assert_eq!(after.created_at, before.created_at);
});
