#include "tools/detail/replay_publish.hpp"

#include <vector>

#include "amqp/detail/amqp.hpp"
#include "amqp/topology.hpp"
#include "tools/replay_headers.hpp"

namespace rai::tool::detail {

outcome<std::uint64_t> publish_replay(dlq_session& session, const dead_message& m,
                                      std::string_view replayed_at) {
  const amqp_basic_properties_t& dead = m.properties();
  constexpr amqp_flags_t kept = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG |
                                AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TYPE_FLAG |
                                AMQP_BASIC_CORRELATION_ID_FLAG | AMQP_BASIC_APP_ID_FLAG |
                                AMQP_BASIC_TIMESTAMP_FLAG;
  amqp_basic_properties_t p = dead;  // the views point into m, which outlives the publish
  p._flags = (dead._flags & kept) | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_HEADERS_FLAG;
  p.delivery_mode = AMQP_DELIVERY_PERSISTENT;

  std::vector<amqp_table_entry_t> headers;
  if ((dead._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
    for (int i = 0; i < dead.headers.num_entries; ++i) {
      const amqp_table_entry_t& e = dead.headers.entries[i];
      if (!dropped_on_replay(amqp::detail::view_of(e.key))) headers.push_back(e);
    }
  }
  amqp_table_entry_t stamp;
  stamp.key = amqp::detail::bytes_of(replayed_at_header);
  stamp.value.kind = AMQP_FIELD_KIND_UTF8;
  stamp.value.value.bytes = amqp::detail::bytes_of(replayed_at);
  headers.push_back(stamp);
  p.headers.num_entries = static_cast<int>(headers.size());
  p.headers.entries = headers.data();

  return session.publish(amqp::names::commands_exchange, amqp::names::outbound_routing_key, p,
                         m.body());
}

}  // namespace rai::tool::detail
