// Encryption shim: lets the bundled DuckDB *write* encrypted database files with
// nonces and keys drawn from the operating system's random source, and encrypts
// with OpenSSL's AES-GCM (AES-NI, carry-less multiply) instead of the bundled
// MbedTLS, which has no hardware path in this build.
//
// Why it exists. DuckDB encrypts database blocks, the WAL and temporary files with
// AES-GCM. The MbedTLS state in the bundled build draws nonces and temporary keys
// from DuckDB's non-cryptographic RandomEngine, so DuckDB refuses to write an
// encrypted file unless the httpfs extension (OpenSSL) is loaded or
// `force_mbedtls_unsafe` is set. The duckdb crate cannot build httpfs from
// crates.io, and `force_mbedtls_unsafe` would mean predictable GCM nonces. Every
// nonce and every generated key goes through one virtual function,
// EncryptionState::GenerateRandomData, and DuckDB takes its EncryptionState
// objects from DBConfig::encryption_util, the slot httpfs fills.
//
// What it overrides.
// - GenerateRandomData reads getrandom(2) (Linux) or getentropy(3) (macOS, BSD)
//   and throws if the operating system cannot deliver. It never falls back to
//   anything weaker.
// - For the GCM cipher (the one jobcockpit attaches with), the cipher itself:
//   OpenSslGcmState runs AES-GCM through OpenSSL's EVP interface, as httpfs does
//   upstream. Measured on the 2-core machine: MbedTLS's table-driven AES and
//   GHASH were 16 % of all CPU of the national-scale ingest (README, "Benchmark:
//   national-scale ingest"). AES-GCM is one standard, so files written by either
//   implementation open with the other (tests/fixtures/encryption).
//
// What it does not change. Block format, nonce and tag sizes, key derivation and
// hashes are DuckDB's own; other ciphers (CTR, CBC) stay on DuckDB's MbedTLS code
// with only the random source replaced. The KDF salt (the database identifier) and
// key ids still come from DuckDB's RandomEngine: both are public, not secret (see
// docs/security.md).
//
// How it is installed. Through DuckDB's public static-extension registry
// (duckdb_static_extension.h): a "database callback" is a capability that is not
// an extension, and DuckDB calls it for every database opened afterwards, before
// anything is attached. The callback also registers the read-only setting
// `jobcockpit_random_source = 'os'`, which src/encryption.rs checks before every
// encrypted ATTACH, so a database without the shim is never used (fail closed).
//
// It must be compiled against the exact headers of the bundled DuckDB, with the
// same NDEBUG/DEBUG define (build.rs), and linked with libcrypto (OpenSSL 3).

#include "duckdb.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/main/database.hpp"
#include "duckdb_static_extension.h"
#include "mbedtls_wrapper.hpp"

#include <openssl/evp.h>

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

//! AES-GCM through OpenSSL's EVP interface. DuckDB drives it as
//! Initialize{En,De}cryption, one or more Process calls, then Finalize, which
//! writes the tag (encryption) or checks it (decryption). One state serves one
//! block at a time; DuckDB creates one per block, WAL entry or temporary buffer.
class OpenSslGcmState : public duckdb::EncryptionState {
public:
	explicit OpenSslGcmState(duckdb::unique_ptr<duckdb::EncryptionStateMetadata> metadata)
	    : EncryptionState(std::move(metadata)), context(EVP_CIPHER_CTX_new()) {
		if (!context) {
			throw duckdb::InternalException("jobcockpit: EVP_CIPHER_CTX_new failed");
		}
	}

	~OpenSslGcmState() override {
		// EVP_CIPHER_CTX_free also clears the expanded key.
		EVP_CIPHER_CTX_free(context);
	}

	void InitializeEncryption(duckdb::EncryptionNonce &nonce, duckdb::const_data_ptr_t key,
	                          duckdb::const_data_ptr_t aad, duckdb::idx_t aad_len) override {
		Initialize(1, nonce, key, aad, aad_len);
	}

	void InitializeDecryption(duckdb::EncryptionNonce &nonce, duckdb::const_data_ptr_t key,
	                          duckdb::const_data_ptr_t aad, duckdb::idx_t aad_len) override {
		Initialize(0, nonce, key, aad, aad_len);
	}

	size_t Process(duckdb::const_data_ptr_t in, duckdb::idx_t in_len, duckdb::data_ptr_t out,
	               duckdb::idx_t out_len) override {
		// GCM is a stream mode: the output is exactly as long as the input, and
		// OpenSSL allows it in place (DuckDB encrypts blocks in place).
		if (out_len < in_len || in_len > static_cast<duckdb::idx_t>(INT32_MAX)) {
			throw duckdb::InternalException("jobcockpit: AES-GCM buffer sizes %llu -> %llu", in_len, out_len);
		}
		int written = 0;
		if (EVP_CipherUpdate(context, out, &written, in, static_cast<int>(in_len)) != 1) {
			throw std::runtime_error("Encryption or Decryption failed at Process");
		}
		return static_cast<size_t>(written);
	}

	size_t Finalize(duckdb::data_ptr_t out, duckdb::idx_t out_len, duckdb::data_ptr_t tag,
	                duckdb::idx_t tag_len) override {
		// DuckDB's tags are 16 bytes; a shorter one would weaken the check.
		if (tag_len != 16) {
			throw duckdb::InternalException("jobcockpit: AES-GCM tag length %llu, expected 16", tag_len);
		}
		const int len = static_cast<int>(tag_len);
		int written = 0;
		if (encrypting) {
			if (EVP_CipherFinal_ex(context, out, &written) != 1 ||
			    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, len, tag) != 1) {
				throw std::runtime_error("Writing tag failed");
			}
		} else {
			if (EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, len, tag) != 1) {
				throw std::runtime_error("Setting tag failed");
			}
			// The same message as DuckDB's MbedTLS state, which DuckDB and our
			// error mapping (src/encryption.rs) expect for a tampered block.
			if (EVP_CipherFinal_ex(context, out, &written) != 1) {
				throw duckdb::InvalidInputException(
				    "Computed AES tag differs from read AES tag, are you using the right key?");
			}
		}
		return static_cast<size_t>(written);
	}

	void GenerateRandomData(duckdb::data_ptr_t data, duckdb::idx_t len) override {
		FillFromOs(data, len);
	}

private:
	void Initialize(int encrypt, duckdb::EncryptionNonce &nonce, duckdb::const_data_ptr_t key,
	                duckdb::const_data_ptr_t aad, duckdb::idx_t aad_len) {
		encrypting = encrypt == 1;
		const EVP_CIPHER *cipher = nullptr;
		switch (metadata->GetKeyLen()) {
		case 16:
			cipher = EVP_aes_128_gcm();
			break;
		case 24:
			cipher = EVP_aes_192_gcm();
			break;
		case 32:
			cipher = EVP_aes_256_gcm();
			break;
		default:
			throw duckdb::InvalidInputException("jobcockpit: unsupported AES key length %llu",
			                                    metadata->GetKeyLen());
		}
		// The nonce is 12 bytes in DuckDB's current format, 16 in the first one;
		// GCM takes either (a 16-byte one is hashed into the counter block).
		if (EVP_CipherInit_ex(context, cipher, nullptr, nullptr, nullptr, encrypt) != 1 ||
		    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.total_size()), nullptr) !=
		        1 ||
		    EVP_CipherInit_ex(context, nullptr, nullptr, key, nonce.data(), encrypt) != 1) {
			throw std::runtime_error("Failed to set AES key and IV");
		}
		if (aad_len > 0) {
			int ignored = 0;
			if (aad_len > static_cast<duckdb::idx_t>(INT32_MAX) ||
			    EVP_CipherUpdate(context, nullptr, &ignored, aad, static_cast<int>(aad_len)) != 1) {
				throw std::runtime_error("Failed to set AAD");
			}
		}
	}

	EVP_CIPHER_CTX *context;
	bool encrypting = true;
};

//! DuckDB's MbedTLS factory (hashes, HMAC) handing out OpenSslGcmState for GCM
//! and OsRandomAesState for the other ciphers.
class OsRandomAesFactory : public MbedTlsWrapper::AESStateMBEDTLSFactory {
public:
	duckdb::shared_ptr<duckdb::EncryptionState>
	CreateEncryptionState(duckdb::unique_ptr<duckdb::EncryptionStateMetadata> metadata) const override {
		if (metadata->GetCipher() == duckdb::EncryptionTypes::GCM) {
			return duckdb::make_shared_ptr<OpenSslGcmState>(std::move(metadata));
		}
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
