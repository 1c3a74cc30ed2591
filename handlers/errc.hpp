#pragma once

#include <string_view>

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace rai::handlers {

// Why an inbound request was refused. Each value maps to one HTTP status
// (http_status) and one public message (public_message) that never carries
// key material or plaintext.
enum class inbound_errc {
  // 400
  bad_envelope = 1,   // layout cannot take the body apart (shape, field, encoding, length)
  mode_mismatch,      // envelope alg/mode differs from the source's mode
  not_json_object,    // authenticated plaintext is not a UTF-8 JSON object
  no_decryption_key,  // x-encrypted: true but the source has no key
  // 401
  missing_api_key,
  bad_api_key,
  signature_missing,
  signature_invalid,
  timestamp_out_of_tolerance,
  encryption_required,  // source requires encryption, x-encrypted missing
  decrypt_failed,       // no key decrypts under the source's mode
  // 404
  unknown_route,
  unknown_source,
  unknown_event,
  // 405
  method_not_allowed,
  // 413
  body_too_large,
  // 422
  missing_event_type,
  unknown_event_type,
};

const boost::system::error_category& inbound_category() noexcept;

inline boost::system::error_code make_error_code(inbound_errc e) noexcept {
  return {static_cast<int>(e), inbound_category()};
}

// HTTP status for an inbound_errc (400/401/404/405/413/422); 500 for a code
// of another category.
unsigned http_status(const boost::system::error_code& ec) noexcept;

// Short, fixed, safe text for the response body's "error" field.
std::string_view public_message(const boost::system::error_code& ec) noexcept;

// Stable snake_case reason for logs and metrics labels ("bad_api_key", ...).
std::string_view reason(const boost::system::error_code& ec) noexcept;

template <class T>
using result = boost::system::result<T>;

}  // namespace rai::handlers

template <>
struct boost::system::is_error_code_enum<rai::handlers::inbound_errc> : std::true_type {};
