#pragma once

// Internal: the disk calls the spool writer makes, behind functions so tests
// can inject ENOSPC or EIO. Defaults are the system calls.

#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <functional>

namespace rai::spool::detail {

struct spool_disk_ops {
  std::function<ssize_t(int fd, const iovec* iov, int count, off_t offset)> pwritev =
      [](int fd, const iovec* iov, int count, off_t offset) {
        return ::pwritev(fd, iov, count, offset);
      };
  std::function<int(int fd)> fdatasync = [](int fd) { return ::fdatasync(fd); };
};

}  // namespace rai::spool::detail
