#include "tools/detail/dead_message.hpp"

#include "amqp/detail/amqp.hpp"
#include "tools/detail/field_text.hpp"

namespace rai::tool::detail {

void dead_message::destroy::operator()(amqp_message_t* m) const noexcept {
  amqp_destroy_message(m);
  delete m;
}

dead_message::dead_message(std::uint64_t delivery_tag, amqp_message_t message)
    : tag_(delivery_tag), message_(new amqp_message_t(message)) {}

std::string_view dead_message::message_id() const noexcept {
  const auto& p = properties();
  return (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0 ? amqp::detail::view_of(p.message_id)
                                                      : std::string_view{};
}

std::string_view dead_message::type() const noexcept {
  const auto& p = properties();
  return (p._flags & AMQP_BASIC_TYPE_FLAG) != 0 ? amqp::detail::view_of(p.type)
                                                : std::string_view{};
}

std::optional<std::string> dead_message::header(std::string_view name) const {
  const auto& p = properties();
  if ((p._flags & AMQP_BASIC_HEADERS_FLAG) == 0) return std::nullopt;
  return table_text(p.headers, name);
}

std::string dead_message::kind() const {
  if (auto k = header("x-kind"); k && !k->empty()) return std::move(*k);
  return std::string(type());
}

dead_entry dead_message::entry(bool with_body) const {
  dead_entry e;
  e.id = std::string(message_id());
  e.kind = kind();
  e.attempts = header("x-attempt");
  e.last_status = header("x-last-status");
  e.last_error = header("x-last-error");
  e.dead_reason = header("x-dead-reason");
  e.replayed_at = header("x-replayed-at");
  if (with_body) e.body = std::string(amqp::detail::view_of(body()));
  return e;
}

}  // namespace rai::tool::detail
