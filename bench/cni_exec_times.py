#!/usr/bin/python3
"""Times CNI plugins the way a runtime runs them, for bench/cni_vs_host_device.sh.

    cni_exec_times.py [--moves DEVICE] [--socket HOSTNIC_SOCKET] N NETNS LABEL=BINARY,CONFIG_FILE,CNI_PATH...

Each round runs ADD then DEL of every plugin in turn (so all of them see the
same load): the plugin executed directly with exactly the CNI_* environment
and its configuration on stdin, as libcni's exec does. A call is timed from
just before the process is spawned to just after it is reaped, so the
timing holds the plugin's whole life (start, work, exit) and none of a shell
harness's own processes. A call that fails stops the run (exit 1).

Prints, per plugin, the median ADD, DEL, ADD+DEL and VERSION (the process
start alone) in ms with their 10th and 90th percentiles (the noise), then
each plugin's ADD+DEL median over the last plugin's (the reference).

hostnic's DEL answers before the NIC is home (the daemon brings it home
after): with --socket (the daemon's) and --moves, after every DEL the run
waits, untimed, until DEVICE is on the host and the daemon's status shows it
free, so that the next plugin finds it there.

With --moves DEVICE (the plugins' NIC, on the host between calls), each round
also times, taking turns with the plugins, what no plugin can go below: the
NIC moved into NETNS and back by `ip link set DEVICE netns` (two processes
of `ip`, whose start alone is timed as `ip link show lo`), and the first
plugin's ADD run at once after its DEL, which waits for the NIC's return
(`podman rm; podman run` on one NIC).
"""
import json
import socket
import os
import statistics
import subprocess
import sys
import time


def exec_ms(argv):
    start = time.perf_counter()
    run = subprocess.run(argv, capture_output=True)
    took = (time.perf_counter() - start) * 1000
    if run.returncode != 0:
        sys.exit(f"{argv} failed ({run.returncode}): {run.stderr!r}")
    return took


def spawn_ms(binary, verb, config, netns, cni_path):
    env = {"CNI_COMMAND": verb, "CNI_CONTAINERID": "bench", "CNI_NETNS": netns,
           "CNI_IFNAME": "eth0", "CNI_PATH": cni_path,
           "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    start = time.perf_counter()
    run = subprocess.run([binary], input=config, env=env, capture_output=True)
    took = (time.perf_counter() - start) * 1000
    if run.returncode != 0:
        sys.exit(f"{binary} {verb} failed ({run.returncode}): {run.stdout!r} {run.stderr!r}")
    return took


def daemon_says_free(device, socket_path):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(socket_path)
        s.sendall(b"GET /status HTTP/1.0\r\nHost: hostnic\r\n\r\n")
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    body = reply.split(b"\r\n\r\n", 1)[-1]
    return any(nic.get("name") == device and nic.get("state") == "free"
               for nic in json.loads(body).get("nics", []))


def settle(device, socket_path):
    """Untimed: until DEVICE is on the host and free in hostnic's status."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.if_nametoindex(device)
            if not socket_path or daemon_says_free(device, socket_path):
                return
        except OSError:
            pass
        time.sleep(0.002)
    sys.exit(f"{device} was not home and free 10 s after DEL")


def spread(values):
    v = sorted(values)
    return (statistics.median(v), v[len(v) // 10], v[(9 * len(v)) // 10])


def main():
    args = sys.argv[1:]
    device = socket_path = None
    if args[:1] == ["--moves"] and len(args) > 1:
        device, args = args[1], args[2:]
    if args[:1] == ["--socket"] and len(args) > 1:
        socket_path, args = args[1], args[2:]
    if len(args) < 3:
        sys.exit(__doc__)
    rounds, netns = int(args[0]), args[1]
    # `ip -n` takes the name under /run/netns; home is this process's netns.
    ns_name, home = os.path.basename(netns), str(os.getpid())
    plugins = []
    for arg in args[2:]:
        label, rest = arg.split("=", 1)
        binary, config_file, cni_path = rest.split(",", 2)
        plugins.append((label, binary, open(config_file, "rb").read(), cni_path))
    verbs = ("ADD", "DEL", "ADD+DEL", "VERSION")
    times = {p[0]: {verb: [] for verb in verbs} for p in plugins}
    floor = {"in": [], "out": [], "in+out": [], "ip start": [],
             "ADD at once after DEL": []}

    def wait_home():
        if device:
            settle(device, socket_path)

    for _ in range(rounds):
        for label, binary, config, cni_path in plugins:
            add = spawn_ms(binary, "ADD", config, netns, cni_path)
            delete = spawn_ms(binary, "DEL", config, netns, cni_path)
            wait_home()
            version = spawn_ms(binary, "VERSION", b'{"cniVersion":"1.0.0"}', netns, cni_path)
            for verb, ms in zip(verbs, (add, delete, add + delete, version)):
                times[label][verb].append(ms)
        if device:
            moved_in = exec_ms(["ip", "link", "set", device, "netns", ns_name])
            moved_out = exec_ms(["ip", "-n", ns_name, "link", "set", device, "netns", home])
            floor["in"].append(moved_in)
            floor["out"].append(moved_out)
            floor["in+out"].append(moved_in + moved_out)
            floor["ip start"].append(exec_ms(["ip", "link", "show", "lo"]))
            label, binary, config, cni_path = plugins[0]
            spawn_ms(binary, "ADD", config, netns, cni_path)
            spawn_ms(binary, "DEL", config, netns, cni_path)
            floor["ADD at once after DEL"].append(
                spawn_ms(binary, "ADD", config, netns, cni_path))
            spawn_ms(binary, "DEL", config, netns, cni_path)
            wait_home()
    for label, _, _, _ in plugins:
        cells = []
        for verb in verbs:
            med, p10, p90 = spread(times[label][verb])
            cells.append(f"{verb} {med:.1f} ({p10:.1f}-{p90:.1f})")
        print(f"{label}: median (p10-p90) ms of {rounds}: " + ", ".join(cells))
    if device:
        cells = [f"{k} {m:.1f} ({p10:.1f}-{p90:.1f})"
                 for k, (m, p10, p90) in ((k, spread(v)) for k, v in floor.items())]
        print(f"ip link set netns, and {plugins[0][0]}'s ADD at once after its DEL:"
              f" median (p10-p90) ms of {rounds}: " + ", ".join(cells))
    reference = plugins[-1][0]
    ref = statistics.median(times[reference]["ADD+DEL"])
    for label, _, _, _ in plugins[:-1]:
        ratio = statistics.median(times[label]["ADD+DEL"]) / ref
        print(f"{label} / {reference} ADD+DEL: {ratio:.2f}")
    if device:
        print(f"ip's two moves / {reference} ADD+DEL: "
              f"{statistics.median(floor['in+out']) / ref:.2f}")


if __name__ == "__main__":
    main()
