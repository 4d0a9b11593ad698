// Build script: reads the kube version this build is locked to from its Cargo.lock, so HELLO names
// the library version really compiled in (one shared source, one lock file per version).
use std::{env, fs, path::Path};

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let lock_path = Path::new(&dir).join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock_path.display());
    let lock = fs::read_to_string(&lock_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", lock_path.display()));
    // Cargo.lock lists each package as `name = "..."` followed by `version = "..."`.
    let mut lines = lock.lines();
    let mut version = None;
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"kube-runtime\"" {
            version = lines
                .next()
                .and_then(|v| v.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned);
            break;
        }
    }
    let version = version.unwrap_or_else(|| panic!("no kube-runtime package in {}", lock_path.display()));
    println!("cargo:rustc-env=LWC_KUBE_VERSION={version}");
}
