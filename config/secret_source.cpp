#include "config/secret_source.hpp"

#include <cstdlib>

#include "config/secret_file.hpp"

namespace rai::gateway {
namespace {

struct raw_secret {
  std::string text;
  bool from_inline = false;
};

std::string setting(const std::string& path, std::string_view name, std::string_view suffix = {}) {
  return path + "." + std::string(name) + std::string(suffix);
}

// Finds which of the three forms is used and returns the raw text (for a file,
// its whole content; for an inline list, nothing — the caller reads the array).
std::optional<raw_secret> locate(const toml::table& t, std::string_view name,
                                 const std::string& path, std::vector<std::string>& problems,
                                 bool inline_is_array) {
  const std::string env_key = std::string(name) + "_env";
  const std::string file_key = std::string(name) + "_file";
  const int forms = int(t.contains(name)) + int(t.contains(env_key)) + int(t.contains(file_key));
  if (forms == 0) return std::nullopt;
  if (forms > 1) {
    problems.push_back(setting(path, name) + ": set exactly one of " + std::string(name) + ", " +
                       env_key + " or " + file_key);
    return std::nullopt;
  }
  if (t.contains(name)) {
    if (inline_is_array) return raw_secret{{}, true};
    if (auto v = t.get(name)->value_exact<std::string>()) return raw_secret{*v, true};
    problems.push_back(setting(path, name) + ": must be a string");
    return std::nullopt;
  }
  if (t.contains(env_key)) {
    auto var = t.get(env_key)->value_exact<std::string>();
    if (!var || var->empty()) {
      problems.push_back(setting(path, name, "_env") + ": must name an environment variable");
      return std::nullopt;
    }
    const char* value = std::getenv(var->c_str());
    if (!value) {
      problems.push_back(setting(path, name, "_env") + ": environment variable " + *var +
                         " is not set");
      return std::nullopt;
    }
    return raw_secret{value, false};
  }
  auto file = t.get(file_key)->value_exact<std::string>();
  if (!file || file->empty()) {
    problems.push_back(setting(path, name, "_file") + ": must be a file path");
    return std::nullopt;
  }
  std::string problem;
  auto content = read_secret_file(setting(path, name, "_file"), *file, problem);
  if (!content) {
    problems.push_back(std::move(problem));
    return std::nullopt;
  }
  return raw_secret{std::move(*content), false};
}

void strip_line_end(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

}  // namespace

std::optional<std::string> read_secret(const toml::table& t, std::string_view name,
                                       const std::string& path, std::vector<std::string>& problems,
                                       secret_presence presence) {
  auto raw = locate(t, name, path, problems, false);
  if (!raw) {
    if (presence == secret_presence::required && !t.contains(std::string(name) + "_env") &&
        !t.contains(std::string(name) + "_file") && !t.contains(name))
      problems.push_back(setting(path, name) + ": required");
    return std::nullopt;
  }
  if (!raw->from_inline) strip_line_end(raw->text);
  if (raw->text.empty()) {
    problems.push_back(setting(path, name) + ": must not be empty");
    return std::nullopt;
  }
  return std::move(raw->text);
}

std::vector<std::string> read_secret_list(const toml::table& t, std::string_view name,
                                          const std::string& path,
                                          std::vector<std::string>& problems) {
  std::vector<std::string> out;
  auto raw = locate(t, name, path, problems, true);
  if (!raw) return out;
  if (raw->from_inline) {
    const auto* arr = t.get(name)->as_array();
    if (!arr) {
      problems.push_back(setting(path, name) + ": must be a list of strings");
      return out;
    }
    for (const auto& item : *arr) {
      auto v = item.value_exact<std::string>();
      if (!v) {
        problems.push_back(setting(path, name) + ": must be a list of strings");
        return {};
      }
      out.push_back(*v);
    }
    return out;
  }
  // From a file or variable: one secret per line. Not commas: a 32-character
  // AES key may contain one.
  std::string current;
  for (char c : raw->text) {
    if (c == '\n') {
      strip_line_end(current);
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  strip_line_end(current);
  if (!current.empty()) out.push_back(std::move(current));
  if (out.empty()) problems.push_back(setting(path, name) + ": no secret found");
  return out;
}

}  // namespace rai::gateway
