#!/usr/bin/python3
"""A CRI client for hostnic's tests: drives containerd's CRI plugin over the
CRI gRPC API (runtime.v1) the way kubelet does for a pod's sandbox.

Test tool only (tests/e2e/cri_test.sh, bench/cri_pod_start.sh); users never
install it. It needs the Python stubs generated from the CRI api.proto
(cri_stubs in tests/e2e/cri/lib.sh makes them) in the directory --stubs.

    cri_client.py --address SOCK --stubs DIR COMMAND [ARG...]

COMMAND is one of:

    run NAME NAMESPACE UID   RunPodSandbox; prints the sandbox ID.
    status ID                PodSandboxStatus (verbose); prints one JSON line:
        {"id", "state", "ip", "additional_ips", "name", "namespace", "uid",
         "netns"} (netns: the path of the pod's network namespace).
    stop ID                  StopPodSandbox
    rm ID                    RemovePodSandbox
    ls                       ListPodSandbox; a line "ID STATE NAMESPACE/NAME"
                             per sandbox
    version                  Version; prints runtime name, version, API
    cycle PREFIX NAMESPACE COUNT
        COUNT times RunPodSandbox, StopPodSandbox, RemovePodSandbox; prints
        "run_ms stop_ms rm_ms" per round, timed in this process (bench/).
    serve                    Reads commands from stdin, one per line (words
        quoted as by the shell); answers each with its output lines, its
        error lines prefixed "@@err ", then "@@end RC". One process for a
        whole suite: Python and the stubs take ~0.4 s to load.

A failed call prints the gRPC status code and the runtime's message on
stderr and exits 1 (RC 1 in serve); a usage error exits 2.
"""

import argparse
import json
import shlex
import sys
import time

import grpc  # Debian's python3-grpcio

ARITY = {"run": 3, "status": 1, "stop": 1, "rm": 1, "ls": 0, "version": 0,
         "cycle": 3}
IDEMPOTENT = ("status", "stop", "rm", "ls", "version")


def sandbox_config(api, name, namespace, uid):
    """The PodSandboxConfig kubelet sends for a pod (kuberuntime's
    generatePodSandboxConfig): metadata, hostname, log directory, the pod's
    labels and the namespaces the sandbox owns."""
    return api.PodSandboxConfig(
        metadata=api.PodSandboxMetadata(name=name, namespace=namespace,
                                        uid=uid, attempt=0),
        hostname=name,
        log_directory=f"/var/log/pods/{namespace}_{name}_{uid}",
        labels={
            "io.kubernetes.pod.name": name,
            "io.kubernetes.pod.namespace": namespace,
            "io.kubernetes.pod.uid": uid,
        },
        annotations={"kubernetes.io/config.source": "api"},
        linux=api.LinuxPodSandboxConfig(
            security_context=api.LinuxSandboxSecurityContext(
                namespace_options=api.NamespaceOption(
                    network=api.POD, pid=api.CONTAINER, ipc=api.POD))),
    )


def netns_path(info):
    """The network namespace's path from containerd's verbose status (its
    "info" JSON holds the sandbox's OCI runtime spec); "" when not there."""
    try:
        spec = json.loads(info.get("info", "{}")).get("runtimeSpec", {})
        for ns in spec.get("linux", {}).get("namespaces", []):
            if ns.get("type") == "network":
                return ns.get("path", "")
    except ValueError:
        pass
    return ""


class Client:
    """One channel to containerd; each method is one COMMAND, returning its
    output lines. gRPC errors propagate as grpc.RpcError."""

    def __init__(self, address, stubs, timeout):
        sys.path.insert(0, stubs)
        import api_pb2  # pylint: disable=import-outside-toplevel
        import api_pb2_grpc  # pylint: disable=import-outside-toplevel
        self.api = api_pb2
        self.rt = api_pb2_grpc.RuntimeServiceStub(
            grpc.insecure_channel("unix://" + address))
        self.t = timeout

    def run(self, name, namespace, uid):
        return [self.rt.RunPodSandbox(self.api.RunPodSandboxRequest(
            config=sandbox_config(self.api, name, namespace, uid)),
            timeout=self.t).pod_sandbox_id]

    def status(self, sandbox):
        reply = self.rt.PodSandboxStatus(self.api.PodSandboxStatusRequest(
            pod_sandbox_id=sandbox, verbose=True), timeout=self.t)
        s = reply.status
        return [json.dumps({
            "id": s.id,
            "state": self.api.PodSandboxState.Name(s.state),
            "ip": s.network.ip,
            "additional_ips": [a.ip for a in s.network.additional_ips],
            "name": s.metadata.name,
            "namespace": s.metadata.namespace,
            "uid": s.metadata.uid,
            "netns": netns_path(reply.info),
        })]

    def stop(self, sandbox):
        self.rt.StopPodSandbox(self.api.StopPodSandboxRequest(
            pod_sandbox_id=sandbox), timeout=self.t)
        return []

    def rm(self, sandbox):  # pylint: disable=invalid-name
        self.rt.RemovePodSandbox(self.api.RemovePodSandboxRequest(
            pod_sandbox_id=sandbox), timeout=self.t)
        return []

    def ls(self):  # pylint: disable=invalid-name
        items = self.rt.ListPodSandbox(self.api.ListPodSandboxRequest(),
                                       timeout=self.t).items
        return [f"{s.id} {self.api.PodSandboxState.Name(s.state)} "
                f"{s.metadata.namespace}/{s.metadata.name}" for s in items]

    def version(self):
        v = self.rt.Version(self.api.VersionRequest(), timeout=self.t)
        return [f"{v.runtime_name} {v.runtime_version} "
                f"{v.runtime_api_version}"]

    def cycle(self, prefix, namespace, count):
        lines = []
        for i in range(int(count)):
            t0 = time.perf_counter()
            sandbox = self.run(f"{prefix}-{i}", namespace,
                               f"{prefix}-uid-{i}")[0]
            t1 = time.perf_counter()
            self.stop(sandbox)
            t2 = time.perf_counter()
            self.rm(sandbox)
            t3 = time.perf_counter()
            lines.append(f"{(t1 - t0) * 1e3:.1f} {(t2 - t1) * 1e3:.1f} "
                         f"{(t3 - t2) * 1e3:.1f}")
        return lines

    def execute(self, words):
        """Runs one command; returns (rc, output lines, error lines)."""
        if not words or words[0] not in ARITY:
            return 2, [], [f"unknown command {words[:1]}; one of "
                           f"{', '.join(ARITY)}"]
        if len(words) - 1 != ARITY[words[0]]:
            return 2, [], [f"{words[0]} takes {ARITY[words[0]]} arguments"]
        try:
            try:
                return 0, getattr(self, words[0])(*words[1:]), []
            except grpc.RpcError as e:
                # A connection containerd's restart broke fails one call
                # before the channel reconnects; calls CRI defines as
                # idempotent are tried again, as kubelet's next sync would.
                if (e.code() != grpc.StatusCode.UNAVAILABLE
                        or words[0] not in IDEMPOTENT):
                    raise
                time.sleep(0.2)
                return 0, getattr(self, words[0])(*words[1:]), []
        except grpc.RpcError as e:
            return 1, [], [f"cri_client: {' '.join(words)}: "
                           f"{e.code().name}: {e.details()}"]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", required=True,
                        help="containerd's gRPC socket")
    parser.add_argument("--stubs", required=True,
                        help="directory with api_pb2.py and api_pb2_grpc.py")
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds one call may take")
    parser.add_argument("words", nargs="+", metavar="COMMAND [ARG]")
    opts = parser.parse_args(argv)
    client = Client(opts.address, opts.stubs, opts.timeout)
    if opts.words != ["serve"]:
        rc, out, err = client.execute(opts.words)
        for line in out:
            print(line)
        for line in err:
            print(line, file=sys.stderr)
        return rc
    for request in sys.stdin:
        try:
            rc, out, err = client.execute(shlex.split(request))
        except ValueError as e:  # unbalanced quotes
            rc, out, err = 2, [], [f"cri_client: {e}"]
        for line in out:
            print(line)
        for line in err:
            print("@@err " + line)
        print(f"@@end {rc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
