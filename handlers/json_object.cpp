#include "handlers/json_object.hpp"

#include <charconv>

#include <simdjson.h>

#include "handlers/utf8.hpp"

namespace rai::handlers {
namespace {

using byte = unsigned char;

constexpr bool is_ws(byte c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
constexpr bool is_digit(byte c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr int hex_value(byte c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bytes a string may hold as they are: printable ASCII but '"' and '\'.
// Everything else goes through the slow branch (escapes, UTF-8, controls).
constexpr std::array<bool, 256> make_plain_table() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}
constexpr std::array<bool, 256> plain_byte = make_plain_table();

// The strict RFC 8259 reader: one pass, no recursion (a fixed stack of
// container kinds), numbers checked against the grammar and kept as text.
class scanner {
 public:
  explicit scanner(std::string_view text) noexcept
      : p_(reinterpret_cast<const byte*>(text.data())), end_(p_ + text.size()) {}

  // `on_member(key_raw, kind, value_text)` for each top-level member.
  template <typename OnMember>
  bool object(OnMember&& on_member) {
    skip_ws();
    if (!eat('{')) return false;
    std::array<bool, max_json_depth> is_object{};  // the kind of each open container
    std::size_t depth = 1;
    is_object[0] = true;
    std::string_view key;         // the current top-level member's key
    const byte* value = nullptr;  // where its value starts
    json_kind kind = json_kind::null;

    // After '{': a member or '}'.
    skip_ws();
    if (eat('}')) return finish();
    for (;;) {
      // A member: "key" ws ':' ws, then the value below.
      if (!at('"')) return false;
      const byte* k = p_ + 1;
      if (!string()) return false;
      if (depth == 1) key = text_between(k, p_ - 1);
      skip_ws();
      if (!eat(':')) return false;
      skip_ws();

    value_start:
      // A value; containers open here and close below.
      if (p_ == end_) return false;
      if (depth == 1) value = p_;
      switch (*p_) {
        case '{':
        case '[': {
          if (depth == max_json_depth) return false;
          const bool obj = *p_ == '{';
          if (depth == 1) kind = obj ? json_kind::object : json_kind::array;
          is_object[depth++] = obj;
          ++p_;
          skip_ws();
          if (eat(obj ? '}' : ']')) {
            --depth;
            break;  // an empty container is a complete value
          }
          if (obj) continue;  // its first member
          goto value_start;   // its first element
        }
        case '"':
          if (!string()) return false;
          if (depth == 1) kind = json_kind::string;
          break;
        case 't':
          if (!literal("true")) return false;
          if (depth == 1) kind = json_kind::boolean;
          break;
        case 'f':
          if (!literal("false")) return false;
          if (depth == 1) kind = json_kind::boolean;
          break;
        case 'n':
          if (!literal("null")) return false;
          if (depth == 1) kind = json_kind::null;
          break;
        default: {
          bool integer = false;
          if (!number(integer)) return false;
          if (depth == 1) kind = integer ? json_kind::integer : json_kind::number;
          break;
        }
      }

      // After a complete value: ',' for the next one, or close containers.
      for (;;) {
        if (depth == 1) {
          // The value of a top-level member is complete.
          std::string_view v = text_between(value, p_);
          if (kind == json_kind::string) v = v.substr(1, v.size() - 2);
          on_member(key, kind, v);
        }
        skip_ws();
        if (p_ == end_) return false;
        const bool obj = is_object[depth - 1];
        if (*p_ == ',') {
          ++p_;
          skip_ws();
          break;
        }
        if (*p_ != (obj ? '}' : ']')) return false;
        ++p_;
        if (--depth == 0) return finish();
      }
      if (is_object[depth - 1]) continue;  // the next member
      goto value_start;                    // the next element
    }
  }

 private:
  static std::string_view text_between(const byte* a, const byte* b) noexcept {
    return {reinterpret_cast<const char*>(a), static_cast<std::size_t>(b - a)};
  }
  void skip_ws() noexcept {
    while (p_ != end_ && is_ws(*p_)) ++p_;
  }
  bool at(byte c) const noexcept { return p_ != end_ && *p_ == c; }
  bool eat(byte c) noexcept {
    if (!at(c)) return false;
    ++p_;
    return true;
  }
  bool finish() noexcept {
    skip_ws();
    return p_ == end_;
  }
  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size()) return false;
    for (const char c : word) {
      if (*p_++ != static_cast<byte>(c)) return false;
    }
    return true;
  }

  // '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?
  bool number(bool& integer) noexcept {
    integer = true;
    eat('-');
    if (p_ == end_ || !is_digit(*p_)) return false;
    if (*p_++ != '0') {
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    if (eat('.')) {
      integer = false;
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    if (at('e') || at('E')) {
      integer = false;
      ++p_;
      if (!eat('+')) eat('-');
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    return true;
  }

  // Four hex digits after "\u".
  bool hex4(unsigned& out) noexcept {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int v = hex_value(*p_++);
      if (v < 0) return false;
      out = (out << 4) | static_cast<unsigned>(v);
    }
    return true;
  }

  // p_ after the backslash.
  bool escape() noexcept {
    if (p_ == end_) return false;
    switch (*p_++) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        return true;
      case 'u': {
        unsigned u = 0;
        if (!hex4(u)) return false;
        if (u >= 0xDC00 && u <= 0xDFFF) return false;  // a low surrogate alone
        if (u < 0xD800 || u > 0xDBFF) return true;
        // A high surrogate must be followed by an escaped low one.
        unsigned low = 0;
        if (!eat('\\') || !eat('u') || !hex4(low)) return false;
        return low >= 0xDC00 && low <= 0xDFFF;
      }
      default:
        return false;
    }
  }

  // One UTF-8 sequence of 2-4 bytes starting at p_ (RFC 3629: no overlongs,
  // no surrogates, nothing above U+10FFFF).
  bool utf8() noexcept {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(
        std::string_view(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(end_ - p_)), 0,
        cp);
    p_ += n;
    return n != 0;
  }

  // p_ at the opening quote; on success just past the closing one.
  bool string() noexcept {
    ++p_;
    for (;;) {
      while (p_ != end_ && plain_byte[*p_]) ++p_;
      if (p_ == end_) return false;
      const byte c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        ++p_;
        if (!escape()) return false;
      } else if (c < 0x20) {
        return false;  // a control character must be escaped
      } else if (!utf8()) {
        return false;
      }
    }
  }

  const byte* p_;
  const byte* end_;
};

bool has_escape(std::string_view raw) noexcept {
  return raw.find('\\') != std::string_view::npos;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

unsigned hex4_at(std::string_view s, std::size_t i) noexcept {
  unsigned v = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    v = (v << 4) | static_cast<unsigned>(hex_value(static_cast<byte>(s[i + k])));
  }
  return v;
}

// The key of a member equals `name` once decoded.
bool key_equals(std::string_view raw, std::string_view name, std::string& scratch) {
  if (!has_escape(raw)) return raw == name;
  scratch.clear();
  append_json_unescaped(scratch, raw);
  return scratch == name;
}

// --- the simdjson DOM path ---

// The parser of read_json_object, one per thread, with the depth limit of the
// strict reader (simdjson's max_depth counts one more level than ours).
simdjson::dom::parser& dom_parser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    // On failure (out of memory) the parse below fails too, and the document is refused.
    if (p.allocate(4096, max_json_depth + 1)) return p;
    return p;
  }();
  return parser;
}

// The DOM refuses numbers it cannot represent; only then is the strict reader asked.
bool number_refusal(simdjson::error_code e) noexcept {
  return e == simdjson::NUMBER_ERROR || e == simdjson::NUMBER_OUT_OF_RANGE;
}

}  // namespace

void append_json_unescaped(std::string& out, std::string_view raw) {
  std::size_t i = 0;
  while (i < raw.size()) {
    const std::size_t slash = raw.find('\\', i);
    if (slash == std::string_view::npos) {
      out.append(raw.substr(i));
      return;
    }
    out.append(raw.substr(i, slash - i));
    const char e = raw[slash + 1];
    i = slash + 2;
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        unsigned cp = hex4_at(raw, i);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const unsigned low = hex4_at(raw, i + 2);  // "\uDCxx" follows (validated)
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, cp);
        break;
      }
      default:  // '"', '\\', '/'
        out += e;
        break;
    }
  }
}

bool read_json_members(std::string_view text, std::span<const std::string_view> names,
                       std::span<std::optional<json_raw_member>> found) {
  for (auto& f : found) f.reset();
  std::string scratch;
  scanner s(text);
  return s.object([&](std::string_view key, json_kind kind, std::string_view value) {
    for (std::size_t i = 0; i < names.size() && i < found.size(); ++i) {
      if (!found[i] && key_equals(key, names[i], scratch)) {
        found[i] = json_raw_member{key, kind, value};
        return;
      }
    }
  });
}

bool read_json_object(std::string_view text, std::size_t capacity,
                      std::span<const std::string_view> names, json_fields& out) {
  for (auto& v : out.values_) v.reset();
  if (names.size() > max_json_fields) return false;

  simdjson::dom::parser& parser = dom_parser();
  simdjson::dom::element doc;
  simdjson::error_code error;
  if (capacity >= text.size() + simdjson::SIMDJSON_PADDING) {
    error = parser.parse(simdjson::padded_string_view(text.data(), text.size(), capacity)).get(doc);
  } else {
    error = parser.parse(text.data(), text.size(), true).get(doc);
  }

  if (!error) {
    simdjson::dom::object root;
    if (doc.get_object().get(root)) return false;
    if (names.empty()) return true;
    for (const auto member : root) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (out.values_[i] || member.key != names[i]) continue;
        json_field f{json_kind::null, {}};
        const simdjson::dom::element v = member.value;
        switch (v.type()) {
          case simdjson::dom::element_type::STRING:
            f.kind = json_kind::string;
            f.text = v.get_string().value_unsafe();
            break;
          case simdjson::dom::element_type::INT64:
          case simdjson::dom::element_type::UINT64: {
            auto& buf = out.integers_[i];
            const auto r = v.is_int64() ? std::to_chars(buf.data(), buf.data() + buf.size(),
                                                        v.get_int64().value_unsafe())
                                        : std::to_chars(buf.data(), buf.data() + buf.size(),
                                                        v.get_uint64().value_unsafe());
            f.kind = json_kind::integer;
            f.text = std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
            break;
          }
          case simdjson::dom::element_type::DOUBLE:
            f.kind = json_kind::number;
            break;
          case simdjson::dom::element_type::BOOL:
            f.kind = json_kind::boolean;
            break;
          case simdjson::dom::element_type::NULL_VALUE:
            f.kind = json_kind::null;
            break;
          case simdjson::dom::element_type::OBJECT:
            f.kind = json_kind::object;
            break;
          case simdjson::dom::element_type::ARRAY:
            f.kind = json_kind::array;
            break;
        }
        out.values_[i] = f;
        break;
      }
    }
    return true;
  }
  if (!number_refusal(error)) return false;

  // A number simdjson cannot represent: the strict reader decides, and reads
  // the members itself.
  std::array<std::optional<json_raw_member>, max_json_fields> raw;
  if (!read_json_members(text, names, std::span(raw.data(), names.size()))) return false;
  std::size_t decoded_size = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (raw[i] && raw[i]->kind == json_kind::string) decoded_size += raw[i]->value.size();
  }
  out.decoded_.clear();
  out.decoded_.reserve(decoded_size);  // views into it stay valid: no reallocation below
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!raw[i]) continue;
    json_field f{raw[i]->kind, {}};
    if (f.kind == json_kind::string) {
      const std::size_t at = out.decoded_.size();
      append_json_unescaped(out.decoded_, raw[i]->value);
      f.text = std::string_view(out.decoded_).substr(at);
    } else if (f.kind == json_kind::integer) {
      // As the DOM reads it: "-0" is the integer 0.
      f.text = raw[i]->value == "-0" ? std::string_view("0") : raw[i]->value;
    }
    out.values_[i] = f;
  }
  return true;
}

}  // namespace rai::handlers
