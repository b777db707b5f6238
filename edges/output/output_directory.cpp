#include "edges/output/output_directory.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <vector>

#include "core/output.h"

namespace trialsim {
namespace fs = std::filesystem;
namespace {

// Every name a run, merge or report writes into a results directory (README "Output reference").
constexpr std::array<std::string_view, 14> RESULT_NAMES = {
    "manifest.json",   "oc.csv",
    "summary.json",    "curves.csv",
    "true_curves.csv", "distributions.csv",
    "replicates.csv",  "grid.csv",
    "search.csv",      "report.html",
    "memo.md",         "figures",
    "shards",          "checkpoint.trialsim-checkpoint"};

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// ".<anything>.<kind>-<digits>": a hidden temporary of some trialsim process.
bool is_hidden_temporary(std::string_view name) {
  if (name.size() < 2 || name.front() != '.') return false;
  for (const std::string_view kind : {".tmp-", ".staging-", ".lock"}) {
    const std::size_t at = name.rfind(kind);
    if (at == std::string_view::npos || at == 0) continue;
    const std::string_view rest = name.substr(at + kind.size());
    if (rest.find_first_not_of("0123456789") == std::string_view::npos) return true;
  }
  return false;
}

std::string system_error_text(int error) { return std::strerror(error); }

// The PID holding a flock on the file with `info`'s device and inode, from /proc/locks
// ("1: FLOCK  ADVISORY  WRITE 3446 fd:01:1835090 0 EOF"); 0 when it cannot be told.
long lock_holder(const struct stat& info) {
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    if (line.find("->") != std::string::npos || line.find("FLOCK") == std::string::npos) continue;
    char kind[16] = {}, advisory[16] = {}, mode[16] = {};
    long pid = 0;
    unsigned major_number = 0, minor_number = 0;
    unsigned long long inode = 0;
    if (std::sscanf(line.c_str(), "%*d: %15s %15s %15s %ld %x:%x:%llu", kind, advisory, mode, &pid,
                    &major_number, &minor_number, &inode) != 7) {
      continue;
    }
    if (inode == info.st_ino && major_number == major(info.st_dev) &&
        minor_number == minor(info.st_dev))
      return pid;
  }
  return 0;
}

// Creates `directory` and its missing parents; returns the outermost directory this process
// created ("" if none). Throws OutputDirectoryError when an ancestor is a file or mkdir fails.
fs::path create_with_parents(const fs::path& directory) {
  std::vector<fs::path> missing;
  for (fs::path p = directory; !p.empty(); p = p.parent_path()) {
    std::error_code error;
    const fs::file_status status = fs::status(p, error);
    if (fs::exists(status)) {
      if (!fs::is_directory(status)) {
        throw OutputDirectoryError(
            p.string() +
            ": exists and is not a directory, expected a directory (or a new name) "
            "for the output");
      }
      break;
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  // missing[0] is `directory`, missing.back() the outermost: create outermost first. A directory
  // another process created in the meantime (EEXIST) is not ours: only what this process's mkdir
  // made counts as created, so a run that then loses the lock never removes the winner's directory.
  fs::path outermost_created;
  for (std::size_t i = missing.size(); i-- > 0;) {
    if (::mkdir(missing[i].c_str(), 0777) == 0) {
      if (outermost_created.empty()) outermost_created = missing[i];
    } else if (errno != EEXIST) {
      const int error = errno;
      if (!outermost_created.empty()) {
        for (std::size_t created = i + 1; created < missing.size(); ++created) {
          ::rmdir(missing[created].c_str());
          if (missing[created] == outermost_created) break;
        }
      }
      throw OutputDirectoryError("cannot create output directory " + missing[i].string() + ": " +
                                 system_error_text(error));
    }
  }
  return outermost_created;
}

// Removes orphaned hidden temporaries of processes that are gone: ".<prefix>*<kind><pid>".
void remove_orphans(const fs::path& directory, const std::string& prefix) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("." + prefix, 0) != 0 || !is_hidden_temporary(name)) continue;
    const std::size_t digits = name.find_last_not_of("0123456789") + 1;
    if (digits >= name.size()) continue;
    const long pid = std::strtol(name.c_str() + digits, nullptr, 10);
    if (pid <= 0 || pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
      continue;
    fs::remove_all(entry.path(), error);
  }
}

// Removes `directory` and its parents up to `outermost` while they are empty.
void remove_empty_up_to(const fs::path& directory, const fs::path& outermost) noexcept {
  if (outermost.empty()) return;
  for (fs::path p = directory; !p.empty(); p = p.parent_path()) {
    if (::rmdir(p.c_str()) != 0 || p == outermost) break;
  }
}

std::string hidden_name(const fs::path& target, const char* kind) {
  std::string out(".");
  out.append(target.filename().string()).append(kind).append(std::to_string(::getpid()));
  return out;
}

}  // namespace

bool is_trialsim_output_name(std::string_view name) {
  for (const std::string_view known : RESULT_NAMES) {
    if (name == known) return true;
  }
  if (name.rfind("shard-", 0) == 0 &&
      (ends_with(name, ".trialsim") || ends_with(name, ".trialsim-checkpoint"))) {
    return true;
  }
  return is_hidden_temporary(name);
}

OwnedOutputDirectory::OwnedOutputDirectory(fs::path target) {
  if (target.empty())
    throw OutputDirectoryError("the output directory is an empty path, expected a directory name");
  target = target.lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "dir/" -> "dir"
  std::error_code error;
  if (fs::is_symlink(target, error)) target = fs::canonical(target, error);
  const std::string last = target.filename().string();
  if (last.empty() || last == "." || last == ".." || target == target.root_path()) {
    throw OutputDirectoryError(
        "'" + target.string() +
        "' cannot be an output directory: the run replaces its whole content, expected a "
        "subdirectory name such as results/my-study");
  }
  target_ = target;
  first_created_ = create_with_parents(target_);
  // Lock the directory itself; retry if another run swapped a new directory in under its name
  // between our open() and flock() (we would hold a lock on the old, now deleted, inode).
  for (int attempt = 0;; ++attempt) {
    lock_fd_ = ::open(target_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock_fd_ < 0) {
      const int open_error = errno;
      release_on_failure();
      throw OutputDirectoryError("cannot open output directory " + target_.string() + ": " +
                                 system_error_text(open_error));
    }
    struct stat locked {};
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      ::fstat(lock_fd_, &locked);
      const long holder = lock_holder(locked);
      // The holder owns the directory now, even if this process created it: only close.
      first_created_.clear();
      release_on_failure();
      throw OutputDirectoryError(
          "output directory " + target_.string() + " is in use by another trialsim run" +
          (holder > 0 ? " (pid " + std::to_string(holder) + ")" : std::string()) +
          "; wait for it to finish, or choose another --output");
    }
    struct stat named {};
    ::fstat(lock_fd_, &locked);
    if (::stat(target_.c_str(), &named) == 0 && named.st_ino == locked.st_ino &&
        named.st_dev == locked.st_dev)
      break;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (attempt == 100)
      throw OutputDirectoryError("output directory " + target_.string() + " keeps being replaced");
    create_with_parents(target_);
  }
  const fs::path parent = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
  remove_orphans(parent, target_.filename().string() + ".");
  remove_orphans(target_, "");
  std::vector<std::string> foreign;
  for (const auto& entry : fs::directory_iterator(target_, error)) {
    const std::string name = entry.path().filename().string();
    if (!is_trialsim_output_name(name)) foreign.push_back(name);
  }
  if (!foreign.empty()) {
    std::string list;
    for (std::size_t i = 0; i < foreign.size() && i < 3; ++i) list += (i ? ", " : "") + foreign[i];
    if (foreign.size() > 3) list += ", … (" + std::to_string(foreign.size()) + " in all)";
    release_on_failure();
    throw OutputDirectoryError(
        "output directory " + target_.string() + " holds files trialsim did not write (" + list +
        "); a run replaces the whole directory, expected a new, empty or results "
        "directory");
  }
  staging_ = parent / hidden_name(target_, ".staging-");
  fs::remove_all(staging_, error);
  if (::mkdir(staging_.c_str(), 0777) != 0) {
    const int mkdir_error = errno;
    release_on_failure();
    throw OutputDirectoryError("cannot create " + staging_.string() + ": " +
                               system_error_text(mkdir_error));
  }
}

OwnedOutputDirectory::~OwnedOutputDirectory() {
  if (!committed_) release_on_failure();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void OwnedOutputDirectory::release_on_failure() noexcept {
  std::error_code ignored;
  if (!staging_.empty()) fs::remove_all(staging_, ignored);
  // Directories this process created go again if nothing is in them (a checkpoint written on
  // SIGTERM keeps the target).
  remove_empty_up_to(target_, first_created_);
  first_created_.clear();
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

fs::path OwnedOutputDirectory::staged(const std::string& file_name) const {
  return staging_ / file_name;
}

void OwnedOutputDirectory::write(const std::string& file_name, std::string_view contents) const {
  write_file_atomically(staged(file_name), contents);
}

void OwnedOutputDirectory::commit(const std::function<bool(const std::string& name)>& keep) {
  std::vector<std::string> carried_directories;
  std::set<std::string> old_names;
  for (const auto& entry : fs::directory_iterator(target_)) {
    const std::string name = entry.path().filename().string();
    old_names.insert(name);
    if (!keep || !keep(name) || fs::exists(staging_ / name)) continue;
    if (entry.is_directory()) {
      carried_directories.push_back(name);
    } else if (::link(entry.path().c_str(), (staging_ / name).c_str()) != 0) {
      fs::copy_file(entry.path(), staging_ / name);
    }
  }
  // Lock the new directory before it takes the name, so no other run can take it while the
  // carried directories move in.
  const int staging_fd = ::open(staging_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (staging_fd >= 0) ::flock(staging_fd, LOCK_EX | LOCK_NB);
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
    // staging_ now names the old content.
    for (const std::string& name : carried_directories) fs::rename(staging_ / name, target_ / name);
    fs::remove_all(staging_);
  } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP || errno == EOPNOTSUPP) {
    // No atomic exchange here: stale entries first, then the new files, manifest.json last.
    for (const std::string& name : old_names) {
      const bool carried = keep && keep(name) && !fs::exists(staging_ / name);
      if (!carried) fs::remove_all(target_ / name);
    }
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(staging_)) entries.push_back(entry.path());
    std::stable_partition(entries.begin(), entries.end(),
                          [](const fs::path& p) { return p.filename() != "manifest.json"; });
    for (const fs::path& entry : entries) {
      if (!fs::is_directory(entry) || !fs::exists(target_ / entry.filename())) {
        fs::rename(entry, target_ / entry.filename());
      }
    }
    fs::remove_all(staging_);
  } else {
    const int error = errno;
    if (staging_fd >= 0) ::close(staging_fd);
    throw std::runtime_error("cannot move the results into " + target_.string() + ": " +
                             system_error_text(error));
  }
  committed_ = true;
  if (staging_fd >= 0) ::close(staging_fd);
}

ExclusiveFileLock::ExclusiveFileLock(const fs::path& directory, const std::string& file_name)
    : directory_(directory.empty() ? fs::path(".") : directory) {
  first_created_ = create_with_parents(directory_);
  lock_file_ = directory_ / ("." + file_name + ".lock");
  fd_ = ::open(lock_file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int error = errno;
    remove_empty_up_to(directory_, first_created_);
    throw OutputDirectoryError("cannot create " + lock_file_.string() + ": " +
                               system_error_text(error));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    struct stat info {};
    ::fstat(fd_, &info);
    const long holder = lock_holder(info);
    ::close(fd_);
    fd_ = -1;
    throw OutputDirectoryError(
        (directory_ / file_name).string() + " is being written by another trialsim run" +
        (holder > 0 ? " (pid " + std::to_string(holder) + ")" : std::string()) +
        "; wait for it to finish, or choose another --output");
  }
}

ExclusiveFileLock::~ExclusiveFileLock() {
  if (fd_ < 0) return;
  ::unlink(lock_file_.c_str());
  ::close(fd_);
  remove_empty_up_to(directory_, first_created_);
}

}  // namespace trialsim
