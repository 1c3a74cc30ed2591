#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace rai::redis {

// Where a connection goes and how it introduces itself.
struct endpoint {
  std::string host;  // a name, an IPv4 literal, or an IPv6 literal without brackets
  std::uint16_t port = 6379;
  std::string user;      // empty: AUTH <password> (the "default" user)
  std::string password;  // secret; empty: no AUTH
  unsigned db = 0;       // SELECTed when not 0

  bool operator==(const endpoint&) const = default;
};

// redis://[[user]:password@]host[:port][/db], user and password
// percent-decoded. Refuses other schemes (rediss:// included: TLS is not
// built), empty hosts, bad ports and databases, and control, space and
// non-ASCII bytes. Failure: redis_errc::bad_url.
boost::system::result<endpoint> parse_url(std::string_view url);

// The endpoint for logs: redis://[user:***@]host:port/db, never the password.
std::string redacted(const endpoint& e);

}  // namespace rai::redis
