#include <amqp.h>
#include <amqp_framing.h>

#include "amqp/detail/amqp.hpp"
#include "amqp/detail/publish.hpp"

namespace rai::amqp::detail {

int basic_publish(amqp_connection_state_t c, amqp_channel_t channel, const message& m,
                  std::vector<amqp_table_entry_t>& header_scratch) {
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  if (!m.content_type.empty()) {
    props._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.content_type = bytes_of(m.content_type);
  }
  if (!m.message_id.empty()) {
    props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    props.message_id = bytes_of(m.message_id);
  }
  if (!m.type.empty()) {
    props._flags |= AMQP_BASIC_TYPE_FLAG;
    props.type = bytes_of(m.type);
  }
  if (m.timestamp > 0) {
    props._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
    props.timestamp = static_cast<std::uint64_t>(m.timestamp);
  }
  if (!m.headers.empty()) {
    header_scratch.resize(m.headers.size());
    for (std::size_t i = 0; i < m.headers.size(); ++i) {
      amqp_table_entry_t& e = header_scratch[i];
      e.key = bytes_of(m.headers[i].first);
      e.value.kind = AMQP_FIELD_KIND_UTF8;
      e.value.value.bytes = bytes_of(m.headers[i].second);
    }
    props._flags |= AMQP_BASIC_HEADERS_FLAG;
    props.headers.num_entries = static_cast<int>(header_scratch.size());
    props.headers.entries = header_scratch.data();
  }
  // The exchange exactly as given: "" is the default exchange, which routes
  // by queue name (retry and dead queues).
  return amqp_basic_publish(c, channel, bytes_of(m.exchange), bytes_of(m.routing_key),
                            /*mandatory=*/1, /*immediate=*/0, &props, bytes_of(m.body));
}

}  // namespace rai::amqp::detail
