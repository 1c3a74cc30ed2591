#pragma once

// A blocking HTTP/1.1 client on one keep-alive connection (Beast), for one
// `send` worker thread. Every phase (resolve+connect, write, read) has a
// deadline.

#include <chrono>
#include <memory>
#include <string>

#include "tools/http_target.hpp"
#include "tools/outcome.hpp"
#include "tools/webhook_request.hpp"

namespace rai::tool {

struct http_reply {
  unsigned status = 0;
  std::string body;
};

class keepalive_client {
 public:
  keepalive_client(http_target target, std::chrono::milliseconds timeout);
  ~keepalive_client();
  keepalive_client(const keepalive_client&) = delete;
  keepalive_client& operator=(const keepalive_client&) = delete;

  // Sends on the open connection, opening one when needed. When a reused
  // connection turns out to be closed by the server before any response byte
  // (its idle timeout), the request is sent once more on a fresh connection;
  // the gateway dedupes by event id, so a repeat can only show up as a
  // duplicate, never as a second event. Errors are transport errors (op_error).
  outcome<http_reply> post(const outgoing_request& request);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::tool
