// The spool's files: appends, segments, group commit, caps, disk errors and
// recovery after a crash. No broker: forwarding goes to a recording target.

#include "spool/spool.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "spool/detail/disk.hpp"
#include "spool/record.hpp"
#include "tests/amqp/broker.hpp"
#include "tests/spool/test_support.hpp"

namespace rai::spool {

using namespace rai::amqp;  // message, publisher, names: what the spool forwards through
namespace {

using namespace std::chrono_literals;
using test::append_one;
using test::append_results;
using test::sample_message;
using test::segment_files;
using test::temp_dir;
using test::wait_until;

spool_settings settings_for(const temp_dir& dir) {
  spool_settings s;
  s.dir = dir.spool_dir();
  s.retry_min = 10ms;
  s.retry_max = 50ms;
  s.stop_grace = 500ms;
  return s;
}

// A forward target that confirms everything and records what it got.
class recording_target {
 public:
  spool_target target() {
    return {[this](message&& m, message_publisher::completion done) {
              {
                std::lock_guard lock(mu_);
                got_.push_back(std::move(m));
              }
              done(publish_status::confirmed);
            },
            {}};
  }
  std::vector<message> got() const {
    std::lock_guard lock(mu_);
    return got_;
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return got_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<message> got_;
};

std::vector<std::string> ids_of(const std::vector<message>& ms) {
  std::vector<std::string> ids;
  for (const message& m : ms) ids.push_back(m.message_id);
  return ids;
}

std::vector<std::string> expected_ids(std::size_t from, std::size_t to) {
  std::vector<std::string> ids;
  for (std::size_t i = from; i < to; ++i) ids.push_back("evt-" + std::to_string(i));
  return ids;
}

std::uint64_t record_size(std::size_t i) {
  return encode_spool_record(sample_message(i))->size();
}

// Appends sample messages [from, to) one after the other.
void append_range(spool& s, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    ASSERT_EQ(append_one(s, sample_message(i)), spool_status::durable) << i;
  }
}

TEST(SpoolTest, AppendsAreDurableAndSpreadOverSegments) {
  temp_dir dir;
  spool_settings settings = settings_for(dir);
  settings.segment_bytes = 1024;
  spool s(settings);
  s.open();
  append_range(s, 0, 40);

  const spool_stats st = s.stats();
  EXPECT_EQ(st.appended, 40u);
  EXPECT_EQ(st.records_pending, 40u);
  EXPECT_EQ(st.results[static_cast<std::size_t>(spool_status::durable)], 40u);
  const auto files = segment_files(settings.dir);
  EXPECT_GE(files.size(), 40 * record_size(0) / 1024);
  EXPECT_EQ(st.segments, files.size());
  std::uint64_t on_disk = 0;
  for (const auto& f : files) {
    EXPECT_LE(std::filesystem::file_size(f), 1024u) << f;
    on_disk += std::filesystem::file_size(f);
  }
  EXPECT_EQ(st.bytes_on_disk, on_disk);
  EXPECT_EQ(files.front().filename(), "spool-00000001.seg");
}

// Like concurrent webhook requests: each thread appends and waits for its
// completion before the next, so every batch holds what arrived during the
// previous fdatasync.
TEST(SpoolTest, ConcurrentAppendsShareFdatasyncs) {
  temp_dir dir;
  spool s(settings_for(dir));
  s.open();
  constexpr int threads = 16;
  constexpr int per_thread = 100;
  std::atomic<int> durable{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < per_thread; ++i) {
        const auto n = static_cast<std::size_t>(t * per_thread + i);
        if (append_one(s, sample_message(n)) == spool_status::durable) ++durable;
      }
    });
  }
  const auto started = std::chrono::steady_clock::now();
  go.store(true);
  for (auto& c : clients) c.join();
  const auto took = std::chrono::steady_clock::now() - started;
  const spool_stats st = s.stats();
  constexpr std::uint64_t appends = threads * per_thread;
  EXPECT_EQ(durable.load(), static_cast<int>(appends));
  EXPECT_EQ(st.appended, appends);
  std::printf(
      "[ figures  ] %llu appends from %d waiting threads: %llu batches, %llu fdatasyncs "
      "(%.1f appends per fdatasync), %.1f ms\n",
      static_cast<unsigned long long>(appends), threads,
      static_cast<unsigned long long>(st.batches), static_cast<unsigned long long>(st.syncs),
      static_cast<double>(appends) / static_cast<double>(std::max<std::uint64_t>(st.syncs, 1)),
      std::chrono::duration<double, std::milli>(took).count());
  EXPECT_EQ(st.syncs, st.batches);  // one segment: one fdatasync per batch
  EXPECT_LT(st.syncs * 4, appends);
}

TEST(SpoolTest, ABurstOfAppendsIsWrittenInFewBatches) {
  temp_dir dir;
  spool s(settings_for(dir));
  s.open();
  constexpr std::uint64_t appends = 5000;
  append_results results;
  for (std::size_t i = 0; i < appends; ++i) s.append(sample_message(i), results.make());
  ASSERT_TRUE(results.wait_all(30s));
  EXPECT_EQ(results.count(spool_status::durable), appends);
  const spool_stats st = s.stats();
  std::printf("[ figures  ] a burst of %llu appends: %llu batches, %llu fdatasyncs\n",
              static_cast<unsigned long long>(appends), static_cast<unsigned long long>(st.batches),
              static_cast<unsigned long long>(st.syncs));
  EXPECT_LT(st.syncs * 4, appends);
}

TEST(SpoolTest, TotalCapRefusesWithFullUntilSpaceIsFreed) {
  temp_dir dir;
  recording_target fwd;
  spool_settings settings = settings_for(dir);
  settings.segment_bytes = 4 * record_size(0);
  settings.max_bytes = 10 * record_size(0);
  spool s(settings);
  s.open();
  append_range(s, 0, 10);
  EXPECT_FALSE(s.stats().full);
  EXPECT_EQ(append_one(s, sample_message(10)), spool_status::full);
  spool_stats st = s.stats();
  EXPECT_TRUE(st.full);
  EXPECT_EQ(st.appended, 10u);
  EXPECT_EQ(st.results[static_cast<std::size_t>(spool_status::full)], 1u);

  // Forwarding deletes the segments and so frees the space.
  s.start_forwarding(fwd.target());
  ASSERT_TRUE(wait_until([&] { return s.stats().segments == 0; }, 10s));
  EXPECT_FALSE(s.stats().full);
  EXPECT_EQ(append_one(s, sample_message(11)), spool_status::durable);
}

TEST(SpoolTest, RefusesTooLargeAndAfterStop) {
  temp_dir dir;
  spool s(settings_for(dir));
  message big = sample_message(0);
  big.body.assign(k_max_spool_payload, 'x');
  EXPECT_EQ(append_one(s, sample_message(0)), spool_status::stopped);  // not open yet
  s.open();
  EXPECT_EQ(append_one(s, big), spool_status::too_large);
  s.stop();
  EXPECT_EQ(append_one(s, sample_message(1)), spool_status::stopped);
}

TEST(SpoolTest, StopWritesEverythingAlreadyAccepted) {
  temp_dir dir;
  append_results results;
  {
    spool s(settings_for(dir));
    s.open();
    for (std::size_t i = 0; i < 500; ++i) s.append(sample_message(i), results.make());
    s.stop();
    EXPECT_EQ(results.completed(), 500u);  // before stop() returned
    EXPECT_EQ(results.count(spool_status::durable), 500u);
  }
  spool again(settings_for(dir));
  again.open();
  EXPECT_EQ(again.stats().recovered, 500u);
}

TEST(SpoolTest, OneSpoolPerDirectory) {
  temp_dir dir;
  spool first(settings_for(dir));
  first.open();
  spool second(settings_for(dir));
  EXPECT_THROW(second.open(), std::system_error);
  first.stop();
  EXPECT_NO_THROW(second.open());
}

// Restores the process umask at the end of a test.
class scoped_umask {
 public:
  explicit scoped_umask(mode_t m) : old_(::umask(m)) {}
  ~scoped_umask() { ::umask(old_); }
  scoped_umask(const scoped_umask&) = delete;
  scoped_umask& operator=(const scoped_umask&) = delete;

 private:
  mode_t old_;
};

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return static_cast<unsigned>(st.st_mode & 07777);
}

// The segments hold decrypted events: outside systemd (UMask=0077) a umask of
// 0 or 022 must not make them readable by others.
TEST(SpoolTest, DirectoryAndFilesArePrivateWhateverTheUmask) {
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{0277}}) {
    SCOPED_TRACE(mask);
    temp_dir dir;
    spool_settings settings = settings_for(dir);
    settings.dir = (dir.path() / "a" / "spool").string();  // parents created too
    {
      scoped_umask um(mask);
      spool s(settings);
      s.open();
      ASSERT_EQ(append_one(s, sample_message(1)), spool_status::durable);
      s.stop();
    }
    EXPECT_EQ(mode_of(settings.dir), 0700u);
    EXPECT_EQ(mode_of(std::filesystem::path(settings.dir) / "spool.lock"), 0600u);
    const auto files = segment_files(settings.dir);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(mode_of(files[0]), 0600u);
    // The owner can reopen them: recovery finds the record.
    spool again(settings);
    again.open();
    EXPECT_EQ(again.stats().records_pending, 1u);
  }
}

TEST(SpoolTest, AnExistingDirectoryOpenToOthersIsRestricted) {
  temp_dir dir;
  const spool_settings settings = settings_for(dir);
  std::filesystem::create_directory(settings.dir);
  ASSERT_EQ(::chmod(settings.dir.c_str(), 0777), 0);
  spool s(settings);
  s.open();
  EXPECT_EQ(mode_of(settings.dir), 0700u);
}

TEST(SpoolTest, RefusesADirectoryItCannotMakePrivate) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may chmod anything";
  // /tmp is 1777 and not ours: the spool cannot restrict it, so it refuses it.
  spool_settings s;
  s.dir = "/tmp";
  spool sp(s);
  try {
    sp.open();
    FAIL() << "a world-writable directory it does not own was accepted";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be restricted to 0700"), std::string::npos)
        << e.what();
  }
}

TEST(SpoolTest, RecoveryKeepsEveryRecordInOrder) {
  temp_dir dir;
  recording_target fwd;
  spool_settings settings = settings_for(dir);
  settings.segment_bytes = 2048;
  {
    spool s(settings);
    s.open();
    append_range(s, 0, 60);
  }
  spool s(settings);
  s.open();
  const spool_stats st = s.stats();
  EXPECT_EQ(st.recovered, 60u);
  EXPECT_EQ(st.records_pending, 60u);
  EXPECT_EQ(st.corrupt_skipped, 0u);
  EXPECT_EQ(st.truncated_bytes, 0u);
  // New appends go to a new segment after the recovered ones.
  const std::size_t before = segment_files(settings.dir).size();
  append_range(s, 60, 61);
  EXPECT_EQ(segment_files(settings.dir).size(), before + 1);

  s.start_forwarding(fwd.target());
  ASSERT_TRUE(wait_until([&] { return fwd.size() >= 61; }, 10s));
  EXPECT_EQ(ids_of(fwd.got()), expected_ids(0, 61));
}

TEST(SpoolTest, RecoveryTruncatesATornTail) {
  temp_dir dir;
  recording_target fwd;
  const spool_settings settings = settings_for(dir);
  {
    spool s(settings);
    s.open();
    append_range(s, 0, 10);
  }
  const auto file = segment_files(settings.dir).back();
  const auto size = std::filesystem::file_size(file);
  // A crash in the middle of writing the last record.
  const auto torn = record_size(9) / 2;
  std::filesystem::resize_file(file, size - torn);

  spool s(settings);
  s.open();
  const spool_stats st = s.stats();
  EXPECT_EQ(st.recovered, 9u);
  EXPECT_EQ(st.truncated_bytes, record_size(9) - torn);
  EXPECT_EQ(st.corrupt_skipped, 0u);
  EXPECT_EQ(std::filesystem::file_size(file), size - record_size(9));
  s.start_forwarding(fwd.target());
  ASSERT_TRUE(wait_until([&] { return fwd.size() >= 9; }, 10s));
  EXPECT_EQ(ids_of(fwd.got()), expected_ids(0, 9));
}

TEST(SpoolTest, RecoverySkipsACorruptRecordInTheMiddle) {
  temp_dir dir;
  recording_target fwd;
  spool_settings settings = settings_for(dir);
  settings.segment_bytes = 4 * record_size(11);  // evt-10 and evt-11 are a byte longer
  {
    spool s(settings);
    s.open();
    append_range(s, 0, 12);
  }
  const auto files = segment_files(settings.dir);
  ASSERT_EQ(files.size(), 3u);
  // Flip a byte in the body of the second record of the middle segment (evt-5).
  {
    std::fstream f(files[1], std::ios::in | std::ios::out | std::ios::binary);
    const auto at = static_cast<std::streamoff>(record_size(4) + record_size(5) - 10);
    f.seekg(at);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x20);
    f.seekp(at);
    f.write(&c, 1);
  }
  spool s(settings);
  s.open();
  const spool_stats st = s.stats();
  EXPECT_EQ(st.recovered, 11u);
  EXPECT_EQ(st.corrupt_skipped, 1u);
  EXPECT_EQ(st.truncated_bytes, 0u);
  s.start_forwarding(fwd.target());
  ASSERT_TRUE(wait_until([&] { return fwd.size() >= 11; }, 10s));
  std::vector<std::string> want = expected_ids(0, 12);
  want.erase(want.begin() + 5);
  EXPECT_EQ(ids_of(fwd.got()), want);
  ASSERT_TRUE(wait_until([&] { return s.stats().segments == 0; }, 10s));
}

// --- disk errors ----------------------------------------------------------------

struct fault_injection {
  std::atomic<int> write_errno{0};  // pwritev fails with this while non-zero
  std::atomic<int> sync_errno{0};   // fdatasync fails with this while non-zero
  std::atomic<bool> short_writes{false};

  detail::spool_disk_ops ops() {
    detail::spool_disk_ops o;
    o.pwritev = [this](int fd, const iovec* iov, int count, off_t offset) -> ssize_t {
      if (const int e = write_errno.load()) {
        // Half of the first buffer reaches the file, then the error.
        if (::pwrite(fd, iov[0].iov_base, iov[0].iov_len / 2, offset) < 0) return -1;
        errno = e;
        return -1;
      }
      if (short_writes.load() && count > 0 && iov[0].iov_len > 1) {
        return ::pwrite(fd, iov[0].iov_base, iov[0].iov_len / 2, offset);
      }
      return ::pwritev(fd, iov, count, offset);
    };
    o.fdatasync = [this](int fd) {
      if (const int e = sync_errno.load()) {
        errno = e;
        return -1;
      }
      return ::fdatasync(fd);
    };
    return o;
  }
};

TEST(SpoolTest, DiskFullFailsTheAppendAndLeavesNoPartialRecord) {
  temp_dir dir;
  recording_target fwd;
  fault_injection faults;
  const spool_settings settings = settings_for(dir);
  {
    spool s(settings, faults.ops());
    s.open();
    append_range(s, 0, 3);
    faults.write_errno = ENOSPC;
    EXPECT_EQ(append_one(s, sample_message(3)), spool_status::io_error);
    EXPECT_EQ(append_one(s, sample_message(4)), spool_status::io_error);
    faults.write_errno = 0;
    append_range(s, 5, 7);
    const spool_stats st = s.stats();
    EXPECT_EQ(st.appended, 5u);
    EXPECT_EQ(st.io_errors, 2u);
    EXPECT_EQ(st.results[static_cast<std::size_t>(spool_status::io_error)], 2u);
    EXPECT_EQ(st.bytes_queued, 0u);
  }
  spool s(settings);
  s.open();
  EXPECT_EQ(s.stats().recovered, 5u);
  EXPECT_EQ(s.stats().corrupt_skipped, 0u);
  s.start_forwarding(fwd.target());
  ASSERT_TRUE(wait_until([&] { return fwd.size() >= 5; }, 10s));
  EXPECT_EQ(ids_of(fwd.got()),
            (std::vector<std::string>{"evt-0", "evt-1", "evt-2", "evt-5", "evt-6"}));
}

TEST(SpoolTest, FailedFdatasyncFailsTheBatchAndMovesToANewSegment) {
  temp_dir dir;
  recording_target fwd;
  fault_injection faults;
  const spool_settings settings = settings_for(dir);
  spool s(settings, faults.ops());
  s.open();
  append_range(s, 0, 2);
  faults.sync_errno = EIO;
  EXPECT_EQ(append_one(s, sample_message(2)), spool_status::io_error);
  faults.sync_errno = 0;
  append_range(s, 3, 4);
  EXPECT_EQ(segment_files(settings.dir).size(), 2u);
  EXPECT_EQ(s.stats().appended, 3u);

  // The failed record is not forwarded (it never completed durable).
  s.start_forwarding(fwd.target());
  ASSERT_TRUE(wait_until([&] { return fwd.size() >= 3; }, 10s));
  EXPECT_EQ(ids_of(fwd.got()), (std::vector<std::string>{"evt-0", "evt-1", "evt-3"}));
}

TEST(SpoolTest, ShortWritesAreContinued) {
  temp_dir dir;
  recording_target fwd;
  fault_injection faults;
  faults.short_writes = true;
  spool s(settings_for(dir), faults.ops());
  s.open();
  append_results results;
  for (std::size_t i = 0; i < 20; ++i) s.append(sample_message(i), results.make());
  ASSERT_TRUE(results.wait_all(10s));
  EXPECT_EQ(results.count(spool_status::durable), 20u);
  s.start_forwarding(fwd.target());
  ASSERT_TRUE(wait_until([&] { return fwd.size() >= 20; }, 10s));
  EXPECT_EQ(ids_of(fwd.got()), expected_ids(0, 20));
}

}  // namespace
}  // namespace rai::spool
