#pragma once

// Asio/Beast spellings shared by the gateway's server, the HTTP client and the
// tool. Asio and Beast are compiled once, in http/asio_src.cpp
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION). The
// names stay in rai::gateway, where the whole server spells them unqualified.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace rai::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Errors come back as values: a peer reset must not become an exception.
inline constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

}  // namespace rai::gateway
