#include "tools/args.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "config/secret_file.hpp"

namespace rai::tool {
namespace {

bool listed(const std::vector<std::string_view>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool secret_flag(std::string_view name) {
  return std::find(std::begin(secret_flags), std::end(secret_flags), name) !=
         std::end(secret_flags);
}

enum class secret_form { inline_value, file, env };

// "--key-file" -> {"--key", file} when --key is a declared secret flag.
std::optional<std::pair<std::string_view, secret_form>> secret_alias(std::string_view name,
                                                                     const arg_spec& spec) {
  for (const auto& [suffix, form] : {std::pair{std::string_view("-file"), secret_form::file},
                                     std::pair{std::string_view("-env"), secret_form::env}}) {
    if (!name.ends_with(suffix)) continue;
    const std::string_view base = name.substr(0, name.size() - suffix.size());
    if (secret_flag(base) && listed(spec.with_value, base)) return std::pair{base, form};
  }
  return std::nullopt;
}

void strip_line_end(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

// The values a --NAME-file / --NAME-env form gives to --NAME.
outcome<std::vector<std::string>> resolve_secret(std::string_view base, secret_form form,
                                                 const std::string& where) {
  const std::string flag = std::string(base) + (form == secret_form::file ? "-file" : "-env");
  std::string text;
  if (form == secret_form::file) {
    std::string problem;
    auto content = gateway::read_secret_file(flag, where, problem);
    if (!content) return usage_error(problem);
    text = std::move(*content);
  } else {
    const char* value = where.empty() ? nullptr : std::getenv(where.c_str());
    if (value == nullptr)
      return usage_error(flag + ": environment variable '" + where + "' is not set");
    text = value;
  }
  std::vector<std::string> values;
  if (base == "--key") {  // one key per line, like the config's keys_file
    std::string line;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size() && text[i] != '\n') {
        line += text[i];
        continue;
      }
      strip_line_end(line);
      if (!line.empty()) values.push_back(std::move(line));
      line.clear();
    }
  } else {
    strip_line_end(text);
    if (text.find('\n') != std::string::npos)
      return usage_error(flag + ": " + where + " holds more than one line");
    if (!text.empty()) values.push_back(std::move(text));
  }
  if (values.empty()) return usage_error(flag + ": " + where + " is empty");
  return values;
}

}  // namespace

void print_help(const char* usage, const arg_spec& spec) {
  std::fputs(usage, stdout);
  std::string names;
  for (const auto& f : spec.with_value) {
    if (!secret_flag(f)) continue;
    names += names.empty() ? "" : ", ";
    names += f;
  }
  if (names.empty()) return;
  std::printf(
      "\nSecrets (%s): a value on the command line is visible in ps and shell\n"
      "history. Give --NAME-file PATH instead (the value is the file's content, a\n"
      "trailing newline ignored, one key per line for --key; a file others may\n"
      "read is refused) or --NAME-env VAR (the value is in environment variable\n"
      "VAR), e.g. --key-file /run/secrets/aes-key or --amqp-url-env RAI_AMQP_URL.\n"
      "At most one form of each.\n",
      names.c_str());
}

int report(std::string_view command, const failure& f) {
  const std::string cmd(command);
  std::fprintf(stderr, "rai-gateway-tool %s: %s\n", cmd.c_str(), f.message.c_str());
  if (f.code == exit_usage) {
    std::fprintf(stderr, "(see: rai-gateway-tool %s --help)\n", cmd.c_str());
  }
  return f.code;
}

outcome<parsed_args> parsed_args::parse(std::span<const std::string_view> args,
                                        const arg_spec& spec, bool positionals_allowed) {
  parsed_args out;
  std::vector<std::string_view> inline_secrets, indirect_secrets;  // secret flags seen, by form
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      out.help_ = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      if (!positionals_allowed)
        return usage_error("unexpected argument '" + std::string(arg) + "'");
      out.positionals_.emplace_back(arg);
      continue;
    }
    const auto eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    if (listed(spec.switches, name)) {
      if (eq != std::string_view::npos) {
        return usage_error(std::string(name) + " takes no value");
      }
      out.given_.emplace_back(name, "");
      continue;
    }
    const auto alias = secret_alias(name, spec);
    if (!alias && !listed(spec.with_value, name)) {
      return usage_error("unknown option '" + std::string(name) + "'");
    }
    std::string value;
    if (eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return usage_error(std::string(name) + " needs a value");
    }
    if (!alias) {
      if (secret_flag(name)) inline_secrets.emplace_back(name);
      out.given_.emplace_back(name, std::move(value));
      continue;
    }
    auto values = resolve_secret(alias->first, alias->second, value);
    if (!values) return values.error();
    for (auto& v : *values) out.given_.emplace_back(alias->first, std::move(v));
    indirect_secrets.emplace_back(alias->first);
  }
  // One form per secret: --key-file and --key together is ambiguous.
  for (const auto base : indirect_secrets) {
    if (std::count(indirect_secrets.begin(), indirect_secrets.end(), base) > 1 ||
        listed(inline_secrets, base)) {
      const std::string b(base);
      return usage_error("give one of " + b + ", " + b + "-file or " + b + "-env");
    }
  }
  return out;
}

bool parsed_args::has(std::string_view flag) const noexcept {
  return std::any_of(given_.begin(), given_.end(), [&](const auto& g) { return g.first == flag; });
}

std::optional<std::string> parsed_args::last(std::string_view flag) const {
  for (auto it = given_.rbegin(); it != given_.rend(); ++it) {
    if (it->first == flag) return it->second;
  }
  return std::nullopt;
}

std::vector<std::string> parsed_args::all(std::string_view flag) const {
  std::vector<std::string> out;
  for (const auto& [name, value] : given_) {
    if (name == flag) out.push_back(value);
  }
  return out;
}

outcome<std::uint64_t> parse_number(std::string_view flag, std::string_view text, std::uint64_t min,
                                    std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < min || v > max) {
    return usage_error(std::string(flag) + " must be a whole number from " + std::to_string(min) +
                       " to " + std::to_string(max) + ", not '" + std::string(text) + "'");
  }
  return v;
}

outcome<std::uint64_t> number_flag(const parsed_args& a, std::string_view flag,
                                   std::uint64_t fallback, std::uint64_t min, std::uint64_t max) {
  const auto v = a.last(flag);
  if (!v) return fallback;
  return parse_number(flag, *v, min, max);
}

int run_command(std::string_view command, std::span<const std::string_view> args,
                const arg_spec& spec, const char* usage, command_body body) {
  const auto a = parsed_args::parse(args, spec);
  if (!a) return report(command, a.error());
  if (a->help()) {
    print_help(usage, spec);
    return exit_ok;
  }
  if (auto r = body(*a); !r) return report(command, r.error());
  return exit_ok;
}

}  // namespace rai::tool
