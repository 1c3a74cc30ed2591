#include "amqp/detail/table_text.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "amqp/detail/amqp.hpp"

namespace rai::amqp::detail {

namespace {

template <typename Number>
std::string decimal(Number n) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  return ec == std::errc{} ? std::string(buf, end) : std::string{};
}

}  // namespace

std::optional<std::string> field_text(const amqp_field_value_t& v) {
  switch (v.kind) {
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
      return std::string(view_of(v.value.bytes));
    case AMQP_FIELD_KIND_BOOLEAN:
      return std::string(v.value.boolean != 0 ? "true" : "false");
    case AMQP_FIELD_KIND_I8:
      return decimal(static_cast<int>(v.value.i8));
    case AMQP_FIELD_KIND_U8:
      return decimal(static_cast<unsigned>(v.value.u8));
    case AMQP_FIELD_KIND_I16:
      return decimal(v.value.i16);
    case AMQP_FIELD_KIND_U16:
      return decimal(v.value.u16);
    case AMQP_FIELD_KIND_I32:
      return decimal(v.value.i32);
    case AMQP_FIELD_KIND_U32:
      return decimal(v.value.u32);
    case AMQP_FIELD_KIND_I64:
      return decimal(v.value.i64);
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP:
      return decimal(v.value.u64);
    case AMQP_FIELD_KIND_F32:
      return decimal(v.value.f32);
    case AMQP_FIELD_KIND_F64:
      return decimal(v.value.f64);
    default:  // table, array, decimal, void
      return std::nullopt;
  }
}

std::vector<std::pair<std::string, std::string>> table_text(const amqp_table_t& table) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(static_cast<std::size_t>(std::max(table.num_entries, 0)));
  for (int i = 0; i < table.num_entries; ++i) {
    const amqp_table_entry_t& e = table.entries[i];
    if (auto text = field_text(e.value)) out.emplace_back(view_of(e.key), std::move(*text));
  }
  return out;
}

std::optional<std::string> table_text(const amqp_table_t& table, std::string_view name) {
  for (int i = 0; i < table.num_entries; ++i) {
    const amqp_table_entry_t& e = table.entries[i];
    if (view_of(e.key) == name) return field_text(e.value);
  }
  return std::nullopt;
}

}  // namespace rai::amqp::detail
