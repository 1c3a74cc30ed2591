#pragma once

#include <string>
#include <vector>

namespace rai::redis {

// One RESP2 reply, owned (converted from hiredis' reply tree).
struct reply {
  enum class kind { nil, string, status, integer, error, array };

  kind type = kind::nil;
  std::string str;        // string, status ("OK") and error ("ERR ...") replies
  long long integer = 0;  // integer replies
  std::vector<reply> elements;

  bool is_nil() const noexcept { return type == kind::nil; }
  bool is_error() const noexcept { return type == kind::error; }
  // A bulk or status string equal to `s`.
  bool is(std::string_view s) const noexcept {
    return (type == kind::string || type == kind::status) && str == s;
  }
};

}  // namespace rai::redis
