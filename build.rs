//! Compiles the encryption shim (csrc/encryption_shim.cpp, see its header and
//! docs/security.md) against the headers of the bundled DuckDB, which
//! libduckdb-sys publishes as `DEP_DUCKDB_INCLUDE` to crates that depend on it
//! directly. The shim encrypts with OpenSSL's AES-GCM, so it links libcrypto
//! (OpenSSL 3; on Debian/Ubuntu the headers come with `libssl-dev`).

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc/encryption_shim.cpp");
    println!("cargo:rerun-if-env-changed=DEP_DUCKDB_INCLUDE");

    let include = PathBuf::from(
        env::var("DEP_DUCKDB_INCLUDE")
            .expect("DEP_DUCKDB_INCLUDE is not set: libduckdb-sys must be a direct dependency with the bundled DuckDB"),
    );
    // `<sources>/duckdb/src/include` -> `<sources>/duckdb/third_party/mbedtls/include`
    let mbedtls = include.join("../../third_party/mbedtls/include");
    assert!(
        mbedtls.join("mbedtls_wrapper.hpp").is_file(),
        "mbedtls_wrapper.hpp not found in {}: the bundled DuckDB source layout changed",
        mbedtls.display()
    );

    let openssl = env::var("OPENSSL_INCLUDE_DIR").map(PathBuf::from).ok();
    let evp_found = openssl
        .iter()
        .chain(
            [
                PathBuf::from("/usr/include"),
                PathBuf::from("/usr/local/include"),
            ]
            .iter(),
        )
        .any(|dir| dir.join("openssl/evp.h").is_file());
    assert!(
        evp_found,
        "openssl/evp.h not found: install OpenSSL 3's headers (Debian/Ubuntu: apt-get install libssl-dev) \
         or set OPENSSL_INCLUDE_DIR"
    );
    println!("cargo:rerun-if-env-changed=OPENSSL_INCLUDE_DIR");
    if let Ok(dir) = env::var("OPENSSL_LIB_DIR") {
        println!("cargo:rustc-link-search=native={dir}");
    }
    println!("cargo:rerun-if-env-changed=OPENSSL_LIB_DIR");

    let mut build = cc::Build::new();
    if let Some(dir) = &openssl {
        build.include(dir);
    }
    build
        .cpp(true)
        .std("c++17")
        .file("csrc/encryption_shim.cpp")
        .include(&include)
        .include(&mbedtls)
        // DuckDB's own headers are not warning-clean under -Wextra.
        .flag_if_supported("-Wno-unused-parameter");
    // The same rule as libduckdb-sys (build_bundled_cc.rs): DuckDB's classes must
    // have the same layout here as in the library, and some differ with DEBUG.
    let debug = env::var("DEBUG")
        .map(|v| v != "false" && v != "0")
        .unwrap_or(false);
    if debug {
        build.define("DEBUG", None);
    } else {
        build.define("NDEBUG", None);
    }
    build.compile("jobcockpit_encryption_shim");
    // After the shim's archive, so the linker resolves the shim's EVP calls.
    println!("cargo:rustc-link-lib=dylib=crypto");
}
