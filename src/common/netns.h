// Running code inside another network namespace (a container's sandbox)
// without ever moving the calling thread: the work runs on a short-lived
// thread of its own that enters the namespace and ends with the work.
// Sockets made there stay in that namespace and keep working from any thread
// once they are handed back (as file descriptors).
#ifndef HOSTNIC_COMMON_NETNS_H_
#define HOSTNIC_COMMON_NETNS_H_

#include <functional>
#include <string>

#include "hostnic/status.h"

namespace hostnic {

// Opens `netns_path` (a netns file such as /var/run/docker/netns/ID or
// /proc/PID/ns/net), starts a thread that setns()es into it, runs `work`
// there and returns its Status once the thread has ended. Fails with
// kNotFound when the path does not exist, kIoError when it is not a network
// namespace or cannot be entered (the message names the path and `doing`).
Status RunInNetns(const std::string& netns_path, const std::string& doing,
                  const std::function<Status()>& work);

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_NETNS_H_
