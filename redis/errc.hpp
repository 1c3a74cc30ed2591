#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace rai::redis {

// Why a Redis command produced no reply. Socket-level failures (connection
// refused, reset, unreachable, DNS) keep their system/netdb code. An error
// reply from the server ("-ERR ...") is not an error here: it is a reply of
// kind error, and the caller decides.
enum class redis_errc {
  bad_url = 1,        // parse_url refused the URL
  connect_timeout,    // resolve + connect + AUTH + SELECT exceeded connect_timeout
  timeout,            // a reply did not come within the command timeout (the connection is closed)
  connection_closed,  // the connection ended or was closed; every command pending on it fails
  protocol_error,     // bytes that are not RESP, or a reply no command was waiting for
  auth_failed,        // the server refused AUTH
  select_failed,      // the server refused SELECT (no such database)
  too_many_pending,   // the pipeline holds max_pending commands already
};

const boost::system::error_category& redis_category() noexcept;

inline boost::system::error_code make_error_code(redis_errc e) noexcept {
  return {static_cast<int>(e), redis_category()};
}

}  // namespace rai::redis

template <>
struct boost::system::is_error_code_enum<rai::redis::redis_errc> : std::true_type {};
