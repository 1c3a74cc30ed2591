#pragma once

// Errors as values for the operator tool: every step returns outcome<T>, and
// a failure carries the process exit code it should end with.

#include <string>
#include <string_view>
#include <utility>

#include <boost/system/result.hpp>

namespace rai::tool {

// Exit codes shared by every subcommand.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  // the operation was attempted and failed
inline constexpr int exit_usage = 2;   // bad flags or settings; nothing was attempted

struct failure {
  // A constructor, not an aggregate: C++20 would otherwise let a lone number
  // initialize a failure, and outcome<std::uint64_t>{42} would be ambiguous.
  failure() = default;
  failure(int c, std::string m) : code(c), message(std::move(m)) {}

  int code = exit_failed;
  std::string message;  // one sentence, never a secret
};

inline failure usage_error(std::string message) {
  return {exit_usage, std::move(message)};
}
inline failure op_error(std::string message) {
  return {exit_failed, std::move(message)};
}

template <class T>
using outcome = boost::system::result<T, failure>;

// Prints "rai-gateway-tool <command>: <message>" (plus a --help hint for usage
// errors) to stderr and returns the failure's exit code.
int report(std::string_view command, const failure& f);

}  // namespace rai::tool
