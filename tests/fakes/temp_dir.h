// TempDir: a fresh folder /tmp/hostnic-NAME.XXXXXX for one test, removed
// with all it holds when the TempDir goes.
#ifndef HOSTNIC_TESTS_FAKES_TEMP_DIR_H_
#define HOSTNIC_TESTS_FAKES_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace hostnic {

class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    std::string pattern = "/tmp/hostnic-" + name + ".XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty when the folder could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_TEMP_DIR_H_
