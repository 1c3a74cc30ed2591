#pragma once

// Errors as values in amqp/: an operation that can fail returns result<T>,
// whose error is one line naming what failed and why (the broker's reply or
// rabbitmq-c's error), fit for a log or an operator. Never a password.

#include <stdexcept>
#include <string>

#include <boost/system/result.hpp>

namespace rai::amqp {

struct error {
  std::string text;
};

template <class T = void>
using result = boost::system::result<T, error>;

// What result<T>::value() throws when it holds an error.
[[noreturn]] inline void throw_exception_from_error(const error& e, const boost::source_location&) {
  throw std::runtime_error(e.text);
}

}  // namespace rai::amqp
