#include "bench/cli.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>

namespace rai::bench {

cli::cli(int argc, char** argv, std::initializer_list<std::string_view> flags) {
  const std::set<std::string_view> bare(flags.begin(), flags.end());
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--") || arg.size() == 2)
      throw std::runtime_error("unexpected argument '" + std::string(arg) + "'");
    arg.remove_prefix(2);
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      values_[std::string(arg.substr(0, eq))] = std::string(arg.substr(eq + 1));
    } else if (bare.contains(arg)) {
      flags_given_.emplace(arg);
    } else if (i + 1 < argc) {
      values_[std::string(arg)] = argv[++i];
    } else {
      throw std::runtime_error("--" + std::string(arg) + " needs a value");
    }
  }
}

bool cli::flag(std::string_view name) {
  asked_.emplace(name);
  return flags_given_.contains(name);
}

std::optional<std::string> cli::text(std::string_view name) {
  asked_.emplace(name);
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string cli::text(std::string_view name, std::string_view fallback) {
  return text(name).value_or(std::string(fallback));
}

std::uint64_t cli::count(std::string_view name, std::uint64_t fallback) {
  const auto v = text(name);
  if (!v) return fallback;
  std::uint64_t out = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc{} || end != v->data() + v->size())
    throw std::runtime_error("--" + std::string(name) + ": not a whole number: '" + *v + "'");
  return out;
}

double cli::number(std::string_view name, double fallback) {
  const auto v = text(name);
  if (!v) return fallback;
  char* end = nullptr;
  const double out = std::strtod(v->c_str(), &end);
  if (v->empty() || end != v->c_str() + v->size() || !(out >= 0))
    throw std::runtime_error("--" + std::string(name) + ": not a number >= 0: '" + *v + "'");
  return out;
}

void cli::reject_unknown() const {
  for (const auto& [name, value] : values_)
    if (!asked_.contains(name)) throw std::runtime_error("unknown option --" + name);
  for (const auto& name : flags_given_)
    if (!asked_.contains(name)) throw std::runtime_error("unknown option --" + name);
}

int run_main(const char* program, int argc, char** argv, int (*run)(int, char**)) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 2;
  }
}

}  // namespace rai::bench
