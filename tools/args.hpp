#pragma once

// A subcommand's command line, in and out: a small parser ("--flag value",
// "--flag=value", boolean switches, repeatable flags and -h/--help; which
// flags exist is declared per subcommand, so a typo is a usage error instead
// of being ignored), errors as values carrying the exit code they end with,
// and run_command, the frame every subcommand runs in.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

struct arg_spec {
  std::vector<std::string_view> with_value;  // e.g. "--key"
  std::vector<std::string_view> switches;    // e.g. "--json"
};

// Flags whose value is a secret. On a command line it is visible in `ps` and
// in shell history, so each declared one also takes two other forms, as the
// gateway's config does (NAME_file / NAME_env):
//   --NAME-file PATH  the value is the content of PATH (a trailing newline is
//                     ignored; for --key one key per line, like keys_file);
//                     a file others may read is refused, like a config
//                     secret file
//   --NAME-env VAR    the value is in environment variable VAR
// At most one of the three forms of a flag may be given. parse() resolves
// them: last()/all() of "--NAME" return the value whatever form gave it.
inline constexpr std::string_view secret_flags[] = {"--key", "--api-key", "--secret",
                                                    "--signing-secret", "--amqp-url"};

class parsed_args {
 public:
  // `args` excludes the program and subcommand names. Positional words are
  // refused unless `positionals_allowed`. Reads the files and variables of
  // the --NAME-file / --NAME-env forms (a usage error when one is missing,
  // empty or unsafe).
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

// Prints a command's --help text to stdout, followed, when `spec` declares
// secret flags, by a paragraph on their -file and -env forms.
void print_help(const char* usage, const arg_spec& spec);

// `text` as an integer in [min, max]; the error names `flag`.
outcome<std::uint64_t> parse_number(std::string_view flag, std::string_view text, std::uint64_t min,
                                    std::uint64_t max);

// The flag's value as a number, or `fallback` when the flag is absent.
outcome<std::uint64_t> number_flag(const parsed_args& a, std::string_view flag,
                                   std::uint64_t fallback, std::uint64_t min, std::uint64_t max);

// What a subcommand does once its flags are parsed.
using command_body = outcome<void> (*)(const parsed_args&);

// The frame of every subcommand: parses `args` against `spec`; prints `usage`
// for -h/--help; else runs `body`. A failure, of the flags or of the body, is
// reported under `command` ("dlq list") and its exit code returned.
int run_command(std::string_view command, std::span<const std::string_view> args,
                const arg_spec& spec, const char* usage, command_body body);

}  // namespace rai::tool
