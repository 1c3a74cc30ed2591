#include "tools/args.hpp"

#include <algorithm>
#include <charconv>

namespace rai::tool {
namespace {

bool listed(const std::vector<std::string_view>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

outcome<parsed_args> parsed_args::parse(std::span<const std::string_view> args,
                                        const arg_spec& spec, bool positionals_allowed) {
  parsed_args out;
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
    if (!listed(spec.with_value, name)) {
      return usage_error("unknown option '" + std::string(name) + "'");
    }
    if (eq != std::string_view::npos) {
      out.given_.emplace_back(name, arg.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      out.given_.emplace_back(name, args[++i]);
    } else {
      return usage_error(std::string(name) + " needs a value");
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

}  // namespace rai::tool
