#include "broker.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <thread>

#include "amqp/detail/amqp.hpp"

namespace rai::amqp::test {

std::string amqp_url() {
  const char* env = std::getenv("RAI_AMQP_URL");
  return env != nullptr && env[0] != '\0' ? env : "amqp://guest:guest@127.0.0.1:5672/";
}

std::string amqp_url_for_vhost(std::string_view vhost) {
  std::string url = amqp_url();
  const auto scheme = url.find("://");
  const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path != std::string::npos) url.resize(path);
  url += '/';
  url += vhost;  // tests use names that need no escaping
  return url;
}

std::string same_broker_by_another_name(std::string url) {
  for (const auto& [from, to] :
       {std::pair<std::string_view, std::string_view>{"@127.0.0.1:", "@localhost:"},
        {"@localhost:", "@127.0.0.1:"}}) {
    if (const auto at = url.find(from); at != std::string::npos) {
      return url.replace(at, from.size(), to);
    }
  }
  return {};
}

std::string unique(std::string_view prefix) {
  static std::atomic<unsigned> counter{0};
  static const unsigned salt = std::random_device{}();
  std::ostringstream out;
  out << prefix << ::getpid() << '-' << salt % 100000 << '-' << counter++;
  return out.str();
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

broker_client::broker_client(std::string url) {
  detail::connect_params params;
  params.url = std::move(url);
  params.heartbeat = std::chrono::seconds(0);
  params.timeout = std::chrono::milliseconds(3000);
  params.connection_name = "rai-queue-tests-client";
  if (auto c = detail::open_connection(params, channel_)) {
    conn_ = std::move(*c);
  } else {
    error_ = c.error().text;
  }
}

bool broker_client::check(std::string_view what) {
  const auto r = detail::check_rpc(conn_.get(), what);
  if (!r) error_ = r.error().text;
  return r.has_value();
}

amqp_channel_t broker_client::open_channel() {
  const amqp_channel_t ch = next_channel_++;
  amqp_channel_open(conn_.get(), ch);
  if (!check("channel.open")) return 0;
  channel_ = ch;
  return ch;
}

std::string broker_client::declare_sink(const std::string& exchange, const std::string& key) {
  amqp_queue_declare_ok_t* ok =
      amqp_queue_declare(conn_.get(), channel_, amqp_empty_bytes, 0, 0,
                         /*exclusive=*/1, /*auto_delete=*/1, amqp_empty_table);
  if (!check("declare sink queue") || ok == nullptr) return {};
  std::string name(detail::view_of(ok->queue));
  amqp_queue_bind(conn_.get(), channel_, detail::bytes_of(name), detail::bytes_of(exchange),
                  detail::bytes_of(key), amqp_empty_table);
  if (!check("bind sink queue")) return {};
  return name;
}

bool broker_client::declare_exchange(const std::string& name, const char* type) {
  amqp_exchange_declare(conn_.get(), channel_, detail::bytes_of(name), amqp_cstring_bytes(type), 0,
                        /*durable=*/0, /*auto_delete=*/0, 0, amqp_empty_table);
  return check("declare test exchange");
}

bool broker_client::delete_exchange(const std::string& name) {
  amqp_exchange_delete(conn_.get(), channel_, detail::bytes_of(name), 0);
  return check("delete test exchange");
}

bool broker_client::exchange_exists(const std::string& name) {
  amqp_exchange_declare(conn_.get(), channel_, detail::bytes_of(name), amqp_cstring_bytes("topic"),
                        /*passive=*/1, 0, 0, 0, amqp_empty_table);
  if (check("passive exchange.declare " + name)) return true;
  amqp_channel_close_ok_t ok{};
  amqp_send_method(conn_.get(), channel_, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
  open_channel();
  return false;
}

std::optional<std::uint32_t> broker_client::message_count(const std::string& queue) {
  amqp_queue_declare_ok_t* ok = amqp_queue_declare(conn_.get(), channel_, detail::bytes_of(queue),
                                                   /*passive=*/1, 0, 0, 0, amqp_empty_table);
  if (!check("passive queue.declare " + queue) || ok == nullptr) {
    amqp_channel_close_ok_t close_ok{};
    amqp_send_method(conn_.get(), channel_, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok);
    open_channel();
    return std::nullopt;
  }
  return ok->message_count;
}

bool broker_client::purge(const std::string& queue) {
  amqp_queue_purge(conn_.get(), channel_, detail::bytes_of(queue));
  if (check("queue.purge " + queue)) return true;
  amqp_channel_close_ok_t close_ok{};
  amqp_send_method(conn_.get(), channel_, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok);
  open_channel();
  return false;
}

bool broker_client::publish(const std::string& exchange, const std::string& routing_key,
                            const amqp_basic_properties_t& properties, std::string_view body) {
  const int rc = amqp_basic_publish(conn_.get(), channel_, detail::bytes_of(exchange),
                                    detail::bytes_of(routing_key), /*mandatory=*/0,
                                    /*immediate=*/0, &properties, detail::bytes_of(body));
  if (rc != AMQP_STATUS_OK) {
    error_ = std::string("basic.publish: ") + amqp_error_string2(rc);
    return false;
  }
  return true;
}

std::optional<received> broker_client::read_content(amqp_channel_t channel, std::string exchange,
                                                    std::string routing_key) {
  amqp_message_t msg;
  const amqp_rpc_reply_t reply = amqp_read_message(conn_.get(), channel, &msg, 0);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    error_ = "read message: " + detail::describe_reply(reply);
    return std::nullopt;
  }
  received r;
  r.exchange = std::move(exchange);
  r.routing_key = std::move(routing_key);
  r.body = std::string(detail::view_of(msg.body));
  const amqp_basic_properties_t& p = msg.properties;
  if (p._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) {
    r.has_delivery_mode = true;
    r.delivery_mode = p.delivery_mode;
  }
  if (p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) r.content_type = detail::view_of(p.content_type);
  if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) r.message_id = detail::view_of(p.message_id);
  if (p._flags & AMQP_BASIC_TYPE_FLAG) r.type = detail::view_of(p.type);
  if (p._flags & AMQP_BASIC_TIMESTAMP_FLAG) {
    r.has_timestamp = true;
    r.timestamp = p.timestamp;
  }
  if (p._flags & AMQP_BASIC_HEADERS_FLAG) {
    for (int i = 0; i < p.headers.num_entries; ++i) {
      const amqp_table_entry_t& e = p.headers.entries[i];
      if (e.value.kind != AMQP_FIELD_KIND_UTF8) {
        r.headers_all_strings = false;
        continue;
      }
      r.headers.emplace_back(detail::view_of(e.key), detail::view_of(e.value.value.bytes));
    }
  }
  amqp_destroy_message(&msg);
  return r;
}

std::optional<received> broker_client::get_message(const std::string& queue) {
  const amqp_rpc_reply_t reply =
      amqp_basic_get(conn_.get(), channel_, detail::bytes_of(queue), /*no_ack=*/1);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    error_ = "basic.get: " + detail::describe_reply(reply);
    return std::nullopt;
  }
  if (reply.reply.id != AMQP_BASIC_GET_OK_METHOD) return std::nullopt;  // get-empty
  const auto* ok = static_cast<const amqp_basic_get_ok_t*>(reply.reply.decoded);
  return read_content(channel_, std::string(detail::view_of(ok->exchange)),
                      std::string(detail::view_of(ok->routing_key)));
}

std::optional<received> broker_client::take_by_id(const std::string& queue,
                                                  std::string_view message_id) {
  const amqp_channel_t ch = next_channel_++;
  amqp_channel_open(conn_.get(), ch);
  if (!check("channel.open")) return std::nullopt;
  std::optional<received> found;
  for (;;) {
    const amqp_rpc_reply_t reply =
        amqp_basic_get(conn_.get(), ch, detail::bytes_of(queue), /*no_ack=*/0);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
      error_ = "basic.get: " + detail::describe_reply(reply);
      break;
    }
    if (reply.reply.id != AMQP_BASIC_GET_OK_METHOD) break;  // went through the whole queue
    const auto* ok = static_cast<const amqp_basic_get_ok_t*>(reply.reply.decoded);
    const std::uint64_t tag = ok->delivery_tag;
    auto msg = read_content(ch, std::string(detail::view_of(ok->exchange)),
                            std::string(detail::view_of(ok->routing_key)));
    if (!msg) break;
    if (msg->message_id == message_id) {
      amqp_basic_ack(conn_.get(), ch, tag, 0);
      found = std::move(msg);
      break;
    }
  }
  // Closing the channel requeues everything else we looked at.
  amqp_channel_close(conn_.get(), ch, AMQP_REPLY_SUCCESS);
  amqp_maybe_release_buffers(conn_.get());
  return found;
}

namespace {

std::string rabbitmqctl_command(const std::string& args) {
  const char* env = std::getenv("RABBITMQCTL");
  return std::string(env != nullptr && env[0] != '\0' ? env : "/usr/sbin/rabbitmqctl") + " " + args;
}

}  // namespace

void rabbitmqctl_detached(const std::string& args) {
  const std::string command = rabbitmqctl_command(args) + " >/dev/null 2>&1 &";
  if (std::system(command.c_str()) != 0) {
    // Best effort: a leftover scratch vhost is harmless.
  }
}

int rabbitmqctl(const std::string& args, std::string& output) {
  const std::string command = rabbitmqctl_command(args) + " 2>&1";
  output.clear();
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  return ::pclose(pipe);
}

bool close_connection_named(const std::string& name, std::string& error) {
  std::string out;
  if (rabbitmqctl("-q list_connections --no-table-headers pid client_properties", out) != 0) {
    error = "rabbitmqctl list_connections failed: " + out;
    return false;
  }
  std::istringstream lines(out);
  std::string line;
  int closed = 0;
  while (std::getline(lines, line)) {
    // client_properties: [...,{"connection_name","<name>"}]
    if (line.find("{\"connection_name\",\"" + name + "\"}") == std::string::npos) continue;
    const std::string pid = line.substr(0, line.find_first_of(" \t"));
    std::string closing;
    if (rabbitmqctl("-q close_connection '" + pid + "' 'rai queue test'", closing) != 0) {
      error = "rabbitmqctl close_connection failed: " + closing;
      return false;
    }
    ++closed;
  }
  if (closed == 0) error = "no connection named " + name + " in:\n" + out;
  return closed > 0;
}

}  // namespace rai::amqp::test
