// What a plugin process does around its one command, for the CNI and the
// netavark modes of hostnic-cni alike: logs go to stderr (stdout carries
// the answer alone), stdin is read up to a bound, the answer is printed.
#ifndef HOSTNIC_CNI_PLUGIN_IO_H_
#define HOSTNIC_CNI_PLUGIN_IO_H_

#include <cstddef>
#include <string>

namespace hostnic::cni {

// spdlog's default logger becomes `name`, writing warnings and worse to
// stderr as "hostnic: LEVEL: message".
void LogToStderr(const char* name);

// stdin until its end, or until more than `limit` bytes were read (the
// parser then refuses the document as too large).
std::string ReadStdin(size_t limit);

// `answer` and a newline on stdout (nothing when it is empty), flushed.
void PrintAnswer(const std::string& answer);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_PLUGIN_IO_H_
