#pragma once

#include <boost/system/error_code.hpp>

#include "handlers/errc.hpp"

namespace rai::handlers {

// Why a pure outbound step failed (category "rai.outbound"). These never reach
// an HTTP client as a status: the sender logs them and dead-letters or retries.
enum class outbound_errc {
  invalid_settings = 1,    // seal_settings rejected by validate() (auto layout/encoding, ...)
  bad_iv_length,           // explicit IV not 12 bytes (GCM) / 16 bytes (CBC)
  encryption_failed,       // random_bytes or the cipher failed
  bad_handshake_response,  // handshake body is not a JSON object
  missing_session_token,   // no non-empty string data.sessionToken / sessionToken
  bad_session_token,       // token too long or not safe for an HTTP header
};

const boost::system::error_category& outbound_category() noexcept;

inline boost::system::error_code make_error_code(outbound_errc e) noexcept {
  return {static_cast<int>(e), outbound_category()};
}

}  // namespace rai::handlers

template <>
struct boost::system::is_error_code_enum<rai::handlers::outbound_errc> : std::true_type {};
