#pragma once

// A small command-line reader shared by the bench tools: `--name value`,
// `--name=value` and bare `--flag`s. Startup code only: errors throw
// std::runtime_error with a sentence naming the flag.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace rai::bench {

class cli {
 public:
  // `flags` names the options that take no value (e.g. "help").
  cli(int argc, char** argv, std::initializer_list<std::string_view> flags);

  bool flag(std::string_view name);
  std::optional<std::string> text(std::string_view name);
  std::string text(std::string_view name, std::string_view fallback);
  std::uint64_t count(std::string_view name, std::uint64_t fallback);
  double number(std::string_view name, double fallback);

  // Throws when an option was given that no accessor asked for (a typo).
  void reject_unknown() const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::set<std::string, std::less<>> flags_given_;
  std::set<std::string, std::less<>> asked_;
};

// The main() of every bench tool: returns `run(argc, argv)`; an exception
// (a startup error, as cli throws them) is printed as "PROGRAM: what" on
// stderr and exits 2.
int run_main(const char* program, int argc, char** argv, int (*run)(int, char**));

}  // namespace rai::bench
