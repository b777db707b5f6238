#pragma once
// An output directory owned by one process for its whole life, and committed as a unit.
//
// Ownership: the directory is created if needed (with any missing parents) and locked with
// flock(2) LOCK_EX on the directory itself. A second trialsim process that wants the same
// directory fails at once with OutputDirectoryError naming the holder's PID (from /proc/locks).
// A directory that holds anything trialsim does not write is refused, never emptied.
//
// Commit: every file of the new result set is written into a hidden staging directory beside the
// target; commit() swaps the two directories in one renameat2(RENAME_EXCHANGE), so a reader sees
// the old complete set or the new complete set, never a mix, and files of an earlier run that
// this run does not write are gone (the old directory is deleted after the swap). Where the file
// system cannot exchange (EINVAL/ENOTSUP, e.g. some network file systems) the files are moved one
// by one, stale ones removed first and manifest.json last (README "Output directories").
//
// Failure: destroying an uncommitted directory removes the staging directory and, if this
// process created the target (and its parents), removes them again: a failed run leaves nothing.
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace trialsim {

// A user error about the output directory (in use, not a directory, holds foreign files, not
// creatable). The CLI reports it as invalid input (exit code 2).
class OutputDirectoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// True for the names trialsim may write into a results directory (result files, report,
// checkpoints, shard files, its own hidden temporaries); anything else makes a directory foreign.
bool is_trialsim_output_name(std::string_view file_name);

class OwnedOutputDirectory {
 public:
  // Takes (creates and locks) `target`. Throws OutputDirectoryError.
  explicit OwnedOutputDirectory(std::filesystem::path target);
  ~OwnedOutputDirectory();
  OwnedOutputDirectory(const OwnedOutputDirectory&) = delete;
  OwnedOutputDirectory& operator=(const OwnedOutputDirectory&) = delete;

  const std::filesystem::path& target() const noexcept { return target_; }

  // The staging directory: the complete new content of the target, written before commit().
  std::filesystem::path staged(const std::string& file_name) const;
  void write(const std::string& file_name, std::string_view contents) const;

  // Makes the staged set the target's content. Entries of the current target for which `keep`
  // returns true and that the stage does not hold are carried over (regular files hard-linked
  // before the swap; directories moved after it). Everything else of the old content goes.
  void commit(const std::function<bool(const std::string& name)>& keep = {});

 private:
  void release_on_failure() noexcept;

  std::filesystem::path target_;
  std::filesystem::path staging_;
  std::filesystem::path first_created_;  // outermost directory this process created ("" if none)
  int lock_fd_ = -1;
  bool committed_ = false;
};

// An exclusive lock on one output file in a directory that several processes share (the shard
// files of a job array): a hidden lock file ".<file>.lock" beside it, flock(2)-ed for the
// process's life and removed at the end. The directory (and parents) are created if missing and
// removed again at the end unless keep_directory() was called. Throws OutputDirectoryError.
class ExclusiveFileLock {
 public:
  ExclusiveFileLock(const std::filesystem::path& directory, const std::string& file_name);
  ~ExclusiveFileLock();
  ExclusiveFileLock(const ExclusiveFileLock&) = delete;
  ExclusiveFileLock& operator=(const ExclusiveFileLock&) = delete;
  void keep_directory() noexcept { first_created_.clear(); }

 private:
  std::filesystem::path directory_, lock_file_, first_created_;
  int fd_ = -1;
};

}  // namespace trialsim
