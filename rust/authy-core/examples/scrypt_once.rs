//! One scrypt run alone, for the benchmark harness (bench/run.ts): the
//! reference that opening a passphrase vault is compared with.
//!
//! `scrypt_once <vault.age> <passphrase-env-var> <runs>` unwraps the file
//! key of a passphrase vault `runs` times with the same `age` crate and
//! build profile as the engine, and nothing else: the header is parsed
//! before the clock starts and the payload is never read, so each run is
//! the scrypt of the vault's own stanza (its salt and work factor) plus
//! the header's MAC check. Prints `{"logN":…,"ms":[…]}`.

use std::iter;
use std::time::Instant;

use age::secrecy::SecretString;

/// The work factor (log2 N) in the vault's `-> scrypt <salt> <logN>` stanza.
fn work_factor(vault: &[u8]) -> u8 {
    let header = String::from_utf8_lossy(&vault[..vault.len().min(4096)]).into_owned();
    let stanza = header
        .lines()
        .find(|line| line.starts_with("-> scrypt "))
        .expect("the vault has a scrypt stanza (a passphrase vault)");
    stanza
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the scrypt stanza ends with its work factor")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, vault, variable, runs] = args.as_slice() else {
        eprintln!("usage: scrypt_once <vault.age> <passphrase-env-var> <runs>");
        std::process::exit(2);
    };
    let vault = std::fs::read(vault).expect("read the vault");
    let log_n = work_factor(&vault);
    let passphrase = SecretString::from(std::env::var(variable).expect("passphrase variable"));
    let runs: usize = runs.parse().expect("runs is a number");

    let mut identity = age::scrypt::Identity::new(passphrase);
    // An explicit limit, so that age does not time a calibration run first.
    identity.set_max_work_factor(log_n);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let decryptor = age::Decryptor::new_buffered(&vault[..]).expect("age header");
        let started = Instant::now();
        let reader = decryptor
            .decrypt(iter::once(&identity as &dyn age::Identity))
            .expect("the passphrase opens the vault");
        times.push(started.elapsed().as_secs_f64() * 1e3);
        drop(reader);
    }
    let list: Vec<String> = times.iter().map(|ms| format!("{ms:.3}")).collect();
    println!("{{\"logN\":{log_n},\"ms\":[{}]}}", list.join(","));
}
