// Encryption shim: lets the bundled DuckDB *write* encrypted database files with
// nonces and keys drawn from the operating system's random source.
//
// Why it exists. DuckDB encrypts database blocks, the WAL and temporary files with
// AES-GCM. The AES itself comes from MbedTLS and is sound, but the MbedTLS state
// in the bundled build draws nonces and temporary keys from DuckDB's
// non-cryptographic RandomEngine, so DuckDB refuses to write an encrypted file
// unless the httpfs extension (OpenSSL) is loaded or `force_mbedtls_unsafe` is
// set. The duckdb crate cannot build httpfs from crates.io, and
// `force_mbedtls_unsafe` would mean predictable GCM nonces. Every nonce and
// every generated key goes through one virtual function,
// EncryptionState::GenerateRandomData, and DuckDB takes its EncryptionState
// objects from DBConfig::encryption_util, the slot httpfs fills.
//
// What it overrides. Exactly one thing: GenerateRandomData, which here reads
// getrandom(2) (Linux) or getentropy(3) (macOS, BSD) and throws if the operating
// system cannot deliver. It never falls back to anything weaker.
//
// What it does not change. Cipher, key derivation, block format, tags and hashes
// are DuckDB's own MbedTLS code, inherited unchanged. The KDF salt (the database
// identifier) and key ids still come from DuckDB's RandomEngine: both are public,
// not secret (see docs/security.md).
//
// How it is installed. Through DuckDB's public static-extension registry
// (duckdb_static_extension.h): a "database callback" is a capability that is not
// an extension, and DuckDB calls it for every database opened afterwards, before
// anything is attached. The callback also registers the read-only setting
// `jobcockpit_random_source = 'os'`, which src/encryption.rs checks before every
// encrypted ATTACH, so a database without the shim is never used (fail closed).
//
// It must be compiled against the exact headers of the bundled DuckDB, with the
// same NDEBUG/DEBUG define (build.rs).

#include "duckdb.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/main/database.hpp"
#include "duckdb_static_extension.h"
#include "mbedtls_wrapper.hpp"

#include <cerrno>
#include <cstring>

#if defined(__linux__)
#include <sys/random.h>
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
#include <unistd.h>
#else
#error "encryption_shim.cpp: no operating-system random source for this platform"
#endif

namespace {

using duckdb_mbedtls::MbedTlsWrapper;

constexpr const char *SETTING_NAME = "jobcockpit_random_source";
constexpr const char *SETTING_VALUE = "os";

//! Fills `data` from the kernel's CSPRNG, or throws.
void FillFromOs(duckdb::data_ptr_t data, duckdb::idx_t len) {
	while (len > 0) {
#if defined(__linux__)
		// flags 0: the urandom pool, blocking only until it is first seeded.
		const ssize_t got = getrandom(data, len, 0);
		if (got < 0) {
			if (errno == EINTR) {
				continue;
			}
			throw duckdb::IOException("jobcockpit: getrandom failed: %s", std::strerror(errno));
		}
		const auto n = static_cast<duckdb::idx_t>(got);
#else
		// getentropy delivers at most 256 bytes per call.
		const duckdb::idx_t n = len < 256 ? len : 256;
		if (getentropy(data, n) != 0) {
			throw duckdb::IOException("jobcockpit: getentropy failed: %s", std::strerror(errno));
		}
#endif
		data += n;
		len -= n;
	}
}

//! DuckDB's MbedTLS AES state with the random source replaced; nothing else.
class OsRandomAesState : public MbedTlsWrapper::AESStateMBEDTLS {
public:
	using AESStateMBEDTLS::AESStateMBEDTLS;

	void GenerateRandomData(duckdb::data_ptr_t data, duckdb::idx_t len) override {
		FillFromOs(data, len);
	}
};

//! DuckDB's MbedTLS factory (hashes, HMAC) handing out OsRandomAesState.
class OsRandomAesFactory : public MbedTlsWrapper::AESStateMBEDTLSFactory {
public:
	duckdb::shared_ptr<duckdb::EncryptionState>
	CreateEncryptionState(duckdb::unique_ptr<duckdb::EncryptionStateMetadata> metadata) const override {
		return duckdb::make_shared_ptr<OsRandomAesState>(std::move(metadata));
	}
};

//! The marker setting cannot be changed, so it cannot be faked from SQL.
void RefuseChange(duckdb::ClientContext &, duckdb::SetScope, duckdb::Value &) {
	throw duckdb::PermissionException("%s is read-only", SETTING_NAME);
}

//! Called by DuckDB for every database it opens, before anything is attached.
void InstallOsRandom(duckdb::DatabaseInstance &db) {
	db.config.encryption_util = duckdb::make_shared_ptr<OsRandomAesFactory>();
	db.config.AddExtensionOption(SETTING_NAME, "Random source of DuckDB encryption (set by jobcockpit)",
	                             duckdb::LogicalType::VARCHAR, duckdb::Value(SETTING_VALUE), RefuseChange,
	                             duckdb::SetScope::GLOBAL);
}

int32_t Describe(duckdb_extension_descriptor *descriptor) {
	if (descriptor->version < 2) {
		descriptor->set_error(descriptor, "jobcockpit_os_random needs descriptor layout 2");
		return 1;
	}
	descriptor->version = 2;
	descriptor->name = "jobcockpit_os_random";
	descriptor->database_callback = reinterpret_cast<void (*)(void)>(InstallOsRandom);
	return 0;
}

} // namespace

//! Registers the callback for every database opened afterwards. Idempotent; returns 0 on success.
extern "C" int32_t jobcockpit_register_os_random(void) {
	return duckdb_register_static_extension(Describe);
}
