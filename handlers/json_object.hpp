#pragma once

// Reading the JSON objects the gateway forwards unchanged (event plaintexts,
// command bodies) and the few it reads (workflow handshake responses).
// docs/wire-format.md §6: every RFC 8259 JSON object is accepted whatever its numbers
// (integers wider than 64 bits, 1.50e2, -0), escapes, whitespace and key
// order; only nesting deeper than max_json_depth is refused. Invalid JSON
// (bad UTF-8, lone surrogate escapes, trailing commas, leading zeros, control
// characters in strings, trailing bytes) is refused.
//
// Two readers accept exactly the same texts:
//   * read_json_object, the hot path: simdjson's DOM, which refuses numbers
//     it cannot represent (integers beyond 64 bits, floats beyond double);
//     on that refusal alone it falls back to the strict reader below.
//   * read_json_members, a strict single-pass RFC 8259 reader of our own
//     that treats numbers as text.
// tests/handlers/json_object_test.cpp and the fuzz target fuzz_event_json
// check that the two agree.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rai::handlers {

// Objects and arrays nested deeper than this are refused (the top-level
// object is level 1, so {"a":[1]} has depth 2).
inline constexpr std::size_t max_json_depth = 1024;

enum class json_kind : std::uint8_t {
  string,
  integer,  // a number with neither fraction nor exponent, of any size
  number,   // any other number
  boolean,
  null,
  object,
  array,
};

// --- the strict reader --------------------------------------------------------------

// One top-level member, as text inside the document.
struct json_raw_member {
  std::string_view key;  // between the quotes, escapes not decoded
  json_kind kind;
  // The value's text: for a string, between the quotes (escapes not decoded);
  // for an object or array, from its bracket to the matching one.
  std::string_view value;
};

// Reads `text` as exactly one RFC 8259 JSON object (whitespace around it
// allowed), nested at most max_json_depth deep. For each i, found[i] is set to
// the first top-level member whose decoded key equals names[i] (found and
// names have the same size). Returns false for anything else; `found` is then
// meaningless.
bool read_json_members(std::string_view text, std::span<const std::string_view> names,
                       std::span<std::optional<json_raw_member>> found);

// Appends the decoded value of a string's raw text (as read_json_members
// gives it: valid escapes, no lone surrogates) to `out`, as UTF-8.
void append_json_unescaped(std::string& out, std::string_view raw);

// --- the hot path ---------------------------------------------------------------------

// A top-level member's value, as the gateway reads it.
struct json_field {
  json_kind kind;
  // string: the decoded value; integer: its decimal text as written ("-0"
  // reads as "0"); any other kind: empty.
  std::string_view text;
};

inline constexpr std::size_t max_json_fields = 8;

// The members read_json_object found. Views point into the document, the
// thread's parser or this object: valid until the next read_json_object on
// this thread or of this object, while the document lives. Not copyable.
class json_fields {
 public:
  json_fields() = default;
  json_fields(const json_fields&) = delete;
  json_fields& operator=(const json_fields&) = delete;

  // The first top-level member named names[i] in the last read, if any.
  const std::optional<json_field>& operator[](std::size_t i) const noexcept { return values_[i]; }

 private:
  friend bool read_json_object(std::string_view, std::size_t, std::span<const std::string_view>,
                               json_fields&);
  std::array<std::optional<json_field>, max_json_fields> values_{};
  std::array<std::array<char, 24>, max_json_fields> integers_{};
  std::string decoded_;
};

// Reads `text` as one JSON object under the rules above and collects the
// members named `names` (at most max_json_fields). `capacity` is how many
// bytes are readable from text.data(): with simdjson::SIMDJSON_PADDING (64)
// to spare the text is parsed in place, else it is copied first.
bool read_json_object(std::string_view text, std::size_t capacity,
                      std::span<const std::string_view> names, json_fields& out);

}  // namespace rai::handlers
