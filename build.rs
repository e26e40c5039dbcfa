//! Compiles the encryption shim (csrc/encryption_shim.cpp, see its header and
//! docs/security.md) against the headers of the bundled DuckDB, which
//! libduckdb-sys publishes as `DEP_DUCKDB_INCLUDE` to crates that depend on it
//! directly.

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

    let mut build = cc::Build::new();
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
}
