#pragma once

// A small command-line parser: "--flag value", "--flag=value", boolean
// switches, repeatable flags and -h/--help. Which flags exist is declared per
// subcommand, so a typo is a usage error instead of being ignored.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/outcome.hpp"

namespace rai::tool {

struct arg_spec {
  std::vector<std::string_view> with_value;  // e.g. "--key"
  std::vector<std::string_view> switches;    // e.g. "--json"
};

class parsed_args {
 public:
  // `args` excludes the program and subcommand names. Positional words are
  // refused unless `positionals_allowed`.
  static outcome<parsed_args> parse(std::span<const std::string_view> args, const arg_spec& spec,
                                    bool positionals_allowed = false);

  bool help() const noexcept { return help_; }
  bool has(std::string_view flag) const noexcept;
  // The last value given for `flag`, if any.
  std::optional<std::string> last(std::string_view flag) const;
  // Every value given for `flag`, in order.
  std::vector<std::string> all(std::string_view flag) const;
  const std::vector<std::string>& positionals() const noexcept { return positionals_; }

 private:
  std::vector<std::pair<std::string, std::string>> given_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

// `text` as an integer in [min, max]; the error names `flag`.
outcome<std::uint64_t> parse_number(std::string_view flag, std::string_view text, std::uint64_t min,
                                    std::uint64_t max);

// The flag's value as a number, or `fallback` when the flag is absent.
outcome<std::uint64_t> number_flag(const parsed_args& a, std::string_view flag,
                                   std::uint64_t fallback, std::uint64_t min, std::uint64_t max);

}  // namespace rai::tool
