# hostnic image: a slim runtime stage with only the shared libraries the
# daemon links against, a build stage (compiler, -dev packages, unit tests),
# and the image: the runtime stage plus the binary the build stage made.
#
#   docker build -t hostnic:0.1.0 .
#
# The runtime stage comes first so that `docker build --target runtime` (the
# classic builder builds every stage up to the target) skips the compiler:
# `scripts/plugin.sh --binary FILE` uses it to wrap a hostnic built on a
# Debian bookworm host instead, with this file's last stage (the binary from
# the build context instead of the build stage).
#
# The image is the root filesystem of the managed plugin (scripts/plugin.sh
# turns it into one, see docs/plugin.md); it also runs as a plain container
# serving a socket ("legacy") plugin on the host:
#   docker run -d --restart unless-stopped --network host --cap-add NET_ADMIN \
#     -v /run/docker/plugins:/run/docker/plugins -v /var/lib/hostnic:/var/lib/hostnic hostnic:0.1.0
# (settings as environment: -e LOG_LEVEL=debug -e ALLOW_NICS=eth2,eth3 ...;
# stop it with `docker stop` so that it removes its socket).
#
# FROM debian:bookworm-slim: on a machine without a registry,
# `scripts/plugin.sh base` makes that image with debootstrap + docker import.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcpp-httplib0.11 libnl-3-200 libnl-route-3-200 libspdlog1.10 libfmt9 libbpf1 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb
COPY plugin-config/entrypoint.sh /usr/local/bin/hostnic-entrypoint
RUN chmod 0755 /usr/local/bin/hostnic-entrypoint \
 && mkdir -p /run/docker/plugins /var/lib/hostnic
ENV LOG_LEVEL=info
ENTRYPOINT ["/usr/local/bin/hostnic-entrypoint"]

FROM ${BASE_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      cmake make g++ pkg-config \
      libcpp-httplib-dev nlohmann-json3-dev libnl-3-dev libnl-route-3-dev \
      libspdlog-dev libcli11-dev googletest libgtest-dev libgmock-dev libsystemd-dev \
      clang libbpf-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY include/ include/
COPY src/ src/
COPY tests/ tests/
COPY bench/ bench/
# Only the daemon and the unit tests: the integration tests need network
# namespaces and CAP_NET_ADMIN, which a `docker build` step does not have.
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" --target hostnic hostnic-cni unit_tests \
 && build/unit_tests --gtest_brief=1 \
 && strip build/hostnic build/hostnic-cni

FROM runtime
COPY --from=build /src/build/hostnic /usr/local/bin/hostnic
# The CNI plugin, a static executable: the Kubernetes DaemonSet
# (docs/kubernetes.md) copies it into the node's /opt/cni/bin as `hostnic`,
# where it runs on the host.
COPY --from=build /src/build/hostnic-cni /usr/local/bin/hostnic-cni
# Fail the build, not the plugin at enable time, if a shared library is missing.
RUN if ldd /usr/local/bin/hostnic | grep 'not found'; then exit 1; fi \
 && /usr/local/bin/hostnic --version \
 && echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION /usr/local/bin/hostnic-cni
