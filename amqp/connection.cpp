#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "amqp/detail/amqp.hpp"
#include "amqp/detail/tls.hpp"

namespace rai::amqp::detail {

namespace {

std::string method_error(const char* who, std::uint16_t code, amqp_bytes_t text) {
  std::string out = who;
  out += " closed by broker: ";
  out += std::to_string(code);
  out += ' ';
  out += view_of(text);
  return out;
}

amqp_table_entry_t string_entry(const char* key, std::string_view value) noexcept {
  amqp_table_entry_t e;
  e.key = amqp_cstring_bytes(key);
  e.value.kind = AMQP_FIELD_KIND_UTF8;
  e.value.value.bytes = bytes_of(value);
  return e;
}

}  // namespace

timeval to_timeval(std::chrono::milliseconds d) noexcept {
  const auto ms = std::max<std::chrono::milliseconds::rep>(d.count(), 1);
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms % 1000) * 1000);
  return tv;
}

void connection_deleter::operator()(amqp_connection_state_t c) const noexcept {
  amqp_destroy_connection(c);
}

std::string describe_reply(const amqp_rpc_reply_t& reply) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no RPC reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      switch (reply.reply.id) {
        case AMQP_CONNECTION_CLOSE_METHOD: {
          const auto* m = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
          return method_error("connection", m->reply_code, m->reply_text);
        }
        case AMQP_CHANNEL_CLOSE_METHOD: {
          const auto* m = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
          return method_error("channel", m->reply_code, m->reply_text);
        }
        default: {
          char buf[64];
          std::snprintf(buf, sizeof buf, "unexpected broker method 0x%08x",
                        static_cast<unsigned>(reply.reply.id));
          return buf;
        }
      }
  }
  return "unknown RPC reply";
}

result<> check_rpc(amqp_connection_state_t c, std::string_view what) {
  const amqp_rpc_reply_t reply = amqp_get_rpc_reply(c);
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return {};
  return error{std::string(what) + ": " + describe_reply(reply)};
}

std::string redact_url(std::string_view url) {
  std::string buf(url);
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(buf.data(), &info) != AMQP_STATUS_OK) return "<invalid AMQP URL>";
  std::string out = info.ssl ? "amqps://" : "amqp://";
  out += info.user;
  out += '@';
  out += info.host;
  out += ':';
  out += std::to_string(info.port);
  out += '/';
  out += info.vhost;
  return out;
}

close_state close_state_after(const amqp_rpc_reply_t& reply) noexcept {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
    case AMQP_RESPONSE_NONE:
      return close_state::open;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return close_state::broken;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        return close_state::connection_closed_by_broker;
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) return close_state::channel_closed_by_broker;
      return close_state::open;
  }
  return close_state::broken;
}

failure closed_by_broker(const amqp_method_t& method) {
  amqp_rpc_reply_t reply{};
  reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
  reply.reply = method;
  return {close_state_after(reply), describe_reply(reply)};
}

failure failed_read(std::string_view what, const amqp_rpc_reply_t& reply) {
  close_state state = close_state_after(reply);
  if (state == close_state::open) state = close_state::broken;
  return {state, std::string(what) + ": " + describe_reply(reply)};
}

failure socket_failure(std::string_view what, int status) {
  return {close_state::broken, std::string(what) + ": " + amqp_error_string2(status)};
}

void close_connection(connection_ptr c, amqp_channel_t channel, close_state state,
                      std::chrono::milliseconds timeout) noexcept {
  if (!c) return;
  const timeval tv = to_timeval(timeout);
  amqp_set_rpc_timeout(c.get(), &tv);
  switch (state) {
    case close_state::open:
      // Only a failed RPC (socket gone) makes the next one pointless.
      if (channel != 0 && amqp_channel_close(c.get(), channel, AMQP_REPLY_SUCCESS).reply_type ==
                              AMQP_RESPONSE_LIBRARY_EXCEPTION) {
        break;
      }
      amqp_connection_close(c.get(), AMQP_REPLY_SUCCESS);
      break;
    case close_state::channel_closed_by_broker: {
      amqp_channel_close_ok_t ok{};
      if (amqp_send_method(c.get(), channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok) == AMQP_STATUS_OK) {
        amqp_connection_close(c.get(), AMQP_REPLY_SUCCESS);
      }
      break;
    }
    case close_state::connection_closed_by_broker: {
      amqp_connection_close_ok_t ok{};
      amqp_send_method(c.get(), 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
      break;
    }
    case close_state::broken:
      break;
  }
  // c's deleter destroys the connection and closes the socket.
}

result<connection_ptr> open_connection(const connect_params& params, amqp_channel_t channel) {
  // amqp_parse_url writes into its input and points `info` into it.
  std::string url = params.url;
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK) return error{"invalid AMQP URL"};
  // "amqp://host/" parses to the empty vhost, which RabbitMQ cannot have;
  // everyone means the default vhost by it.
  const char* vhost = (info.vhost == nullptr || info.vhost[0] == '\0') ? "/" : info.vhost;
  const std::string where =
      std::string(info.host) + ':' + std::to_string(info.port) + " vhost '" + vhost + "'";

  connection_ptr c{amqp_new_connection()};
  if (!c) return error{"amqp_new_connection failed"};
  // amqps: TLS 1.2+, the broker verified in the handshake (CA and host
  // name), SNI; see amqp/detail/tls.hpp. There is no unverified mode.
  const bool tls = info.ssl != 0;
  amqp_socket_t* socket = tls ? amqp_ssl_socket_new(c.get()) : amqp_tcp_socket_new(c.get());
  if (socket == nullptr)
    return error{tls ? "amqp_ssl_socket_new failed" : "amqp_tcp_socket_new failed"};
  if (tls) {
    if (auto configured = configure_tls(socket, info.host, params.tls); !configured) {
      return configured.error();
    }
  }
  // Why a TLS connection failed, when TLS says (else `otherwise`).
  const auto tls_or = [&](std::string otherwise) {
    if (tls) {
      if (auto why = tls_failure(socket, params.tls, info.host, info.port)) return std::move(*why);
    }
    return otherwise;
  };
  const timeval tv = to_timeval(params.timeout);
  if (int rc = amqp_socket_open_noblock(socket, info.host, info.port, &tv); rc != AMQP_STATUS_OK) {
    return error{tls_or("connect to " + where + ": " + amqp_error_string2(rc))};
  }
  amqp_set_handshake_timeout(c.get(), &tv);
  amqp_set_rpc_timeout(c.get(), &tv);

  // connection.blocked: the broker tells us about resource alarms.
  // consumer_cancel_notify: it sends basic.cancel when a consumed queue goes.
  amqp_table_entry_t capabilities[2];
  capabilities[0].key = amqp_cstring_bytes("connection.blocked");
  capabilities[1].key = amqp_cstring_bytes("consumer_cancel_notify");
  for (amqp_table_entry_t& capability : capabilities) {
    capability.value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capability.value.value.boolean = 1;
  }
  amqp_table_entry_t props[3];
  props[0] = string_entry("connection_name", params.connection_name);
  props[1] = string_entry("product", "rai-gateway");
  props[2].key = amqp_cstring_bytes("capabilities");
  props[2].value.kind = AMQP_FIELD_KIND_TABLE;
  props[2].value.value.table.num_entries = 2;
  props[2].value.value.table.entries = capabilities;
  amqp_table_t properties;
  properties.num_entries = 3;
  properties.entries = props;

  const auto heartbeat =
      static_cast<int>(std::clamp<std::chrono::seconds::rep>(params.heartbeat.count(), 0, 65535));
  const amqp_rpc_reply_t login = amqp_login_with_properties(
      c.get(), vhost, AMQP_DEFAULT_MAX_CHANNELS, AMQP_DEFAULT_FRAME_SIZE, heartbeat, &properties,
      AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    // With TLS 1.3 the broker checks the client certificate after the
    // handshake: its refusal arrives as an alert on the login's first read.
    std::string why =
        "login as '" + std::string(info.user) + "' to " + where + ": " + describe_reply(login);
    error e{login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? tls_or(std::move(why)) : why};
    close_connection(std::move(c), 0, close_state_after(login), params.timeout);
    return e;
  }

  amqp_channel_open(c.get(), channel);
  if (auto opened = check_rpc(c.get(), "channel.open"); !opened) {
    const close_state state = close_state_after(amqp_get_rpc_reply(c.get()));
    close_connection(std::move(c), channel, state, params.timeout);
    return opened.error();
  }
  return c;
}

}  // namespace rai::amqp::detail
