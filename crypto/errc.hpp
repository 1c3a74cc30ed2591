#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace rai::crypto {

// Every failure the crypto module can report. Decryption deliberately has one
// opaque failure (auth_failed) for a bad tag, bad padding or a wrong key, so
// nothing above it can build a padding oracle.
enum class crypto_errc {
  bad_key = 1,         // key string is not 32 chars / hex:64 / base64:32 bytes
  bad_iv_length,       // IV length not accepted by the mode
  bad_tag_length,      // GCM tag is not 16 bytes
  bad_length,          // CBC ciphertext not a non-zero multiple of 16
  auth_failed,         // tag mismatch, bad padding, or wrong key
  bad_encoding,        // not valid base64 / hex
  bad_secret,          // signing secret is not whsec_<base64>
  signature_missing,   // webhook-id / webhook-timestamp / webhook-signature absent
  bad_timestamp,       // webhook-timestamp is not unix seconds
  timestamp_too_old,   // outside tolerance, in the past
  timestamp_too_new,   // outside tolerance, in the future
  signature_mismatch,  // no v1 signature in the header matches
  internal,            // OpenSSL refused an operation that should not fail
};

const boost::system::error_category& crypto_category() noexcept;

inline boost::system::error_code make_error_code(crypto_errc e) noexcept {
  return {static_cast<int>(e), crypto_category()};
}

template <class T>
using result = boost::system::result<T>;

}  // namespace rai::crypto

template <>
struct boost::system::is_error_code_enum<rai::crypto::crypto_errc> : std::true_type {};
