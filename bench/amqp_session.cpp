#include "bench/amqp_session.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <stdexcept>

namespace rai::bench {
namespace {

amqp_bytes_t bytes(const std::string& s) {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = const_cast<char*>(s.data());
  return b;
}

std::string text(amqp_bytes_t b) {
  return {static_cast<const char*>(b.bytes), b.len};
}

std::string describe(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* m = static_cast<const amqp_connection_close_t*>(r.reply.decoded);
        return "connection closed by broker: " + std::to_string(m->reply_code) + " " +
               text(m->reply_text);
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* m = static_cast<const amqp_channel_close_t*>(r.reply.decoded);
        return "channel closed by broker: " + std::to_string(m->reply_code) + " " +
               text(m->reply_text);
      }
      return "unexpected broker method";
  }
  return "unknown reply";
}

amqp_table_entry_t string_entry(const char* key, const char* value) {
  amqp_table_entry_t e;
  e.key = amqp_cstring_bytes(key);
  e.value.kind = AMQP_FIELD_KIND_UTF8;
  e.value.value.bytes = amqp_cstring_bytes(value);
  return e;
}

amqp_table_t table_of(amqp_table_entry_t* entries, int n) {
  amqp_table_t t;
  t.num_entries = n;
  t.entries = n == 0 ? nullptr : entries;
  return t;
}

}  // namespace

std::string describe_amqp_status(int status) {
  return amqp_error_string2(status);
}

amqp_session::amqp_session(const std::string& url) {
  std::string parsed = url;  // amqp_parse_url writes into its argument
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(parsed.data(), &info) != AMQP_STATUS_OK)
    throw std::runtime_error("not an amqp:// URL");
  vhost_ = (info.vhost == nullptr || *info.vhost == '\0') ? "/" : info.vhost;

  conn_ = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
  if (socket == nullptr) throw std::runtime_error("cannot create an AMQP socket");
  timeval timeout{5, 0};
  amqp_set_handshake_timeout(conn_, &timeout);
  amqp_set_rpc_timeout(conn_, &timeout);
  if (const int rc = amqp_socket_open_noblock(socket, info.host, info.port, &timeout); rc != 0)
    throw std::runtime_error(std::string("cannot connect to ") + info.host + ":" +
                             std::to_string(info.port) + ": " + amqp_error_string2(rc));
  const amqp_rpc_reply_t login =
      amqp_login(conn_, vhost_.c_str(), 0, AMQP_DEFAULT_FRAME_SIZE, /*heartbeat=*/0,
                 AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL)
    throw std::runtime_error("login to vhost '" + vhost_ + "': " + describe(login));
  amqp_channel_open(conn_, channel);
  check_rpc("channel.open");
}

amqp_session::~amqp_session() {
  if (conn_ == nullptr) return;
  amqp_channel_close(conn_, channel, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn_);
}

void amqp_session::check_rpc(std::string_view what) {
  const amqp_rpc_reply_t r = amqp_get_rpc_reply(conn_);
  if (r.reply_type != AMQP_RESPONSE_NORMAL)
    throw std::runtime_error(std::string(what) + ": " + describe(r));
}

void amqp_session::declare_topology() {
  const auto exchange = [&](const char* name, const char* type, amqp_table_t args) {
    amqp_exchange_declare(conn_, channel, amqp_cstring_bytes(name), amqp_cstring_bytes(type),
                          /*passive=*/0, /*durable=*/1, /*auto_delete=*/0, /*internal=*/0, args);
    check_rpc(std::string("declare exchange ") + name);
  };
  const auto queue = [&](const char* name) {
    amqp_queue_declare(conn_, channel, amqp_cstring_bytes(name), /*passive=*/0, /*durable=*/1,
                       /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
    check_rpc(std::string("declare queue ") + name);
  };
  const auto bind = [&](const char* q, const char* x, const char* key) {
    amqp_queue_bind(conn_, channel, amqp_cstring_bytes(q), amqp_cstring_bytes(x),
                    amqp_cstring_bytes(key), amqp_empty_table);
    check_rpc(std::string("bind queue ") + q);
  };
  amqp_table_entry_t alternate = string_entry("alternate-exchange", "returning.unrouted");
  exchange("returning.unrouted", "fanout", amqp_empty_table);
  exchange("returning.events", "topic", table_of(&alternate, 1));
  queue("returning.unrouted");
  bind("returning.unrouted", "returning.unrouted", "");
  exchange("returning.commands", "direct", amqp_empty_table);
  queue("returning.outbound");
  bind("returning.outbound", "returning.commands", "outbound");
  queue("returning.outbound.dead");
}

void amqp_session::declare_bound_queue(const std::string& queue, const std::string& exchange,
                                       const std::string& binding_key, std::uint64_t max_length) {
  amqp_table_entry_t limit;
  limit.key = amqp_cstring_bytes("x-max-length");
  limit.value.kind = AMQP_FIELD_KIND_I64;
  limit.value.value.i64 = static_cast<std::int64_t>(max_length);
  amqp_queue_declare(conn_, channel, bytes(queue), /*passive=*/0, /*durable=*/1, /*exclusive=*/0,
                     /*auto_delete=*/0, table_of(&limit, max_length > 0 ? 1 : 0));
  check_rpc("declare queue " + queue);
  amqp_queue_bind(conn_, channel, bytes(queue), bytes(exchange), bytes(binding_key),
                  amqp_empty_table);
  check_rpc("bind queue " + queue + " to " + exchange);
}

std::uint64_t amqp_session::purge(const std::string& queue) {
  const amqp_queue_purge_ok_t* ok = amqp_queue_purge(conn_, channel, bytes(queue));
  check_rpc("purge queue " + queue);
  return ok == nullptr ? 0 : ok->message_count;
}

void amqp_session::confirm_select() {
  amqp_confirm_select(conn_, channel);
  check_rpc("confirm.select");
}

}  // namespace rai::bench
