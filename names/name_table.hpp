#pragma once

// A table of the spellings of an enum's values, and the lookups both ways:
// the one shape in which crypto's cipher modes and handlers' envelope
// layouts and encodings are parsed and printed (the config, the tool's
// flags, the benchmark and error messages all read the same tables).

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rai::names {

template <class T>
struct name_entry {
  std::string_view name;
  T value;
};

// The value spelled exactly `text`; nullopt for any other text.
template <class T>
std::optional<T> value_of(std::span<const name_entry<T>> table, std::string_view text) noexcept {
  for (const auto& e : table) {
    if (e.name == text) return e.value;
  }
  return std::nullopt;
}

// The name of `value`; "unknown" for a value the table lacks.
template <class T>
std::string_view name_of(std::span<const name_entry<T>> table, T value) noexcept {
  for (const auto& e : table) {
    if (e.value == value) return e.name;
  }
  return "unknown";
}

// The names for a message: "json, compact, raw, header-iv".
template <class T>
std::string list_names(std::span<const name_entry<T>> table) {
  std::string out;
  for (const auto& e : table) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

}  // namespace rai::names
