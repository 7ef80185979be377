#!/usr/bin/env python3
"""Checks the manifests in docs/kubernetes.md without a cluster (none ran them).

    kubernetes_yaml_test.py DOCS/kubernetes.md BUILD/hostnic-cni
    kubernetes_yaml_test.py --conflist DOCS/kubernetes.md SOCKET


Every ```yaml block must parse (PyYAML, Debian's python3-yaml); the
documents must be the DaemonSet, NetworkAttachmentDefinition and Pod the page
describes, with the fields the daemon needs (host network, NET_ADMIN, state
and the CNI bin dir on the host); the DaemonSet must use the image as the
Dockerfile (beside docs/) makes it: the init container copies the CNI plugin
the image carries (hostnic-cni) into the node's /opt/cni/bin as `hostnic`,
the daemon gets its socket and state directory as the entrypoint's SOCKET and
STATE_DIR (not as flags, which the entrypoint adds), and the readiness probe
runs the image's daemon; the attachment's CNI configuration must be JSON that
hostnic's plugin accepts: run as a runtime runs it (DEL, no daemon at that
socket here), it may only answer "try again later" (11).
Exits 77 (skipped) when PyYAML is missing, 1 on the first problem found.

With --conflist it prints the attachment's CNI configuration (one JSON line)
with the hostnic entry's socket set to SOCKET: tests/e2e/cri_test.sh runs
the page's configuration through containerd as it stands.
"""
import json
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("SKIP: no PyYAML (apt-get install python3-yaml)")
    sys.exit(77)


def fail(what):
    print(f"FAIL: {what}")
    sys.exit(1)


def check(ok, what):
    if not ok:
        fail(what)


def load(doc_path):
    """The page's ```yaml blocks and the documents in them."""
    text = open(doc_path, encoding="utf-8").read()
    blocks = re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)
    check(blocks, f"no ```yaml block in {doc_path}")
    docs = []
    for i, block in enumerate(blocks):
        try:
            docs += [d for d in yaml.safe_load_all(block) if d is not None]
        except yaml.YAMLError as e:
            fail(f"yaml block {i + 1} of {doc_path} does not parse: {e}")
    return blocks, docs


def print_conflist(doc_path, socket):
    _, docs = load(doc_path)
    nads = [d for d in docs if d.get("kind") == "NetworkAttachmentDefinition"]
    check(nads, f"no NetworkAttachmentDefinition in {doc_path}")
    conflist = json.loads(nads[0]["spec"]["config"])
    for plugin in conflist.get("plugins", []):
        if plugin.get("type") == "hostnic":
            plugin["socket"] = socket
    print(json.dumps(conflist))


def image_files(dockerfile):
    """What the image's last stage copies from the build stage: build output
    name -> path in the image."""
    text = open(dockerfile, encoding="utf-8").read()
    last = text[text.rindex("\nFROM "):]
    return dict(re.findall(r"^COPY --from=build /src/build/(\S+) (\S+)$", last, re.M))


def main(doc_path, hostnic):
    blocks, docs = load(doc_path)
    by_kind = {d.get("kind"): d for d in docs}
    for kind in ("DaemonSet", "NetworkAttachmentDefinition", "Pod"):
        check(kind in by_kind, f"no {kind} among {sorted(map(str, by_kind))}")

    ds = by_kind["DaemonSet"]
    check(ds.get("apiVersion") == "apps/v1", "DaemonSet apiVersion is not apps/v1")
    tmpl = ds["spec"]["template"]
    check(ds["spec"]["selector"]["matchLabels"].items() <= tmpl["metadata"]["labels"].items(),
          "the DaemonSet's selector does not match its pod template's labels")
    pod = tmpl["spec"]
    check(pod.get("hostNetwork") is True, "the daemon's pod is not on the host network")
    daemon = pod["containers"][0]
    caps = daemon.get("securityContext", {}).get("capabilities", {}).get("add", [])
    check("NET_ADMIN" in caps, f"the daemon lacks NET_ADMIN (capabilities.add: {caps})")
    host_paths = {v["name"]: v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v}
    mounts = {m["name"]: m["mountPath"] for m in daemon["volumeMounts"]}
    env = {e["name"]: e["value"] for e in daemon.get("env", [])}
    flags = [a for a in daemon.get("args", []) if a in ("--socket", "--state-dir")]
    check(not flags, f"the daemon's args give {flags}, which the image's entrypoint "
          "adds from SOCKET and STATE_DIR: the daemon would refuse them given twice")
    check("SOCKET" in env and "STATE_DIR" in env,
          "the daemon's container does not set SOCKET and STATE_DIR")
    state_dir = env["STATE_DIR"]
    check(any(mounts.get(n) == state_dir for n in host_paths),
          f"the daemon's STATE_DIR {state_dir} is not a host path")

    image = image_files(os.path.join(os.path.dirname(os.path.abspath(doc_path)),
                                     "..", "Dockerfile"))
    check("hostnic" in image and "hostnic-cni" in image,
          f"the Dockerfile's image lacks hostnic or hostnic-cni (it has {sorted(image)})")
    probe = daemon["readinessProbe"]["exec"]["command"][0]
    check(probe == image["hostnic"],
          f"the readiness probe runs {probe}, the image has the daemon at {image['hostnic']}")
    installs = [c for c in pod.get("initContainers", [])
                if any(host_paths.get(m["name"]) == "/opt/cni/bin" for m in c["volumeMounts"])]
    check(installs, "no init container mounts the host's /opt/cni/bin to install the plugin")
    bin_dir = next(m["mountPath"] for m in installs[0]["volumeMounts"]
                   if host_paths.get(m["name"]) == "/opt/cni/bin")
    want = ["cp", image["hostnic-cni"], bin_dir + "/hostnic"]
    check(installs[0].get("command") == want,
          f"the init container runs {installs[0].get('command')}, not {want}: "
          "the node's /opt/cni/bin/hostnic must be the image's hostnic-cni")
    socket_dir = os.path.dirname(env["SOCKET"])

    nad = by_kind["NetworkAttachmentDefinition"]
    check(nad.get("apiVersion") == "k8s.cni.cncf.io/v1",
          "NetworkAttachmentDefinition apiVersion is not k8s.cni.cncf.io/v1")
    try:
        conflist = json.loads(nad["spec"]["config"])
    except json.JSONDecodeError as e:
        fail(f"the attachment's spec.config is not JSON: {e}")
    check(conflist.get("name") == nad["metadata"]["name"],
          "the conflist's name differs from the NetworkAttachmentDefinition's")
    plugins = [p for p in conflist.get("plugins", []) if p.get("type") == "hostnic"]
    check(plugins, "the conflist has no plugin of type hostnic")
    socket = plugins[0].get("socket", "")
    check(socket == env["SOCKET"] and
          any(mounts[n] == socket_dir for n in host_paths if n in mounts),
          f"the plugin's socket {socket} is not the SOCKET {env['SOCKET']} the daemon "
          "serves on a host path")

    annotations = by_kind["Pod"]["metadata"].get("annotations", {})
    check(annotations.get("k8s.v1.cni.cncf.io/networks") == nad["metadata"]["name"],
          "the Pod does not ask for the attachment by name")

    # What the runtime hands the plugin: the entry plus cniVersion and name.
    conf = dict(plugins[0], cniVersion=conflist["cniVersion"], name=conflist["name"])
    env = {"CNI_COMMAND": "DEL", "CNI_CONTAINERID": "yaml-test", "CNI_NETNS": "",
           "CNI_IFNAME": "net1", "CNI_PATH": "/opt/cni/bin"}
    run = subprocess.run([hostnic], input=json.dumps(conf), env=env, capture_output=True,
                         text=True, timeout=30)
    if run.returncode != 0:
        try:
            code = json.loads(run.stdout).get("code")
        except json.JSONDecodeError:
            code = None
        check(code == 11, f"hostnic refused the documented configuration: {run.stdout.strip()}")
    print(f"PASS: {len(docs)} documents in {len(blocks)} yaml blocks; the conflist is accepted "
          f"by {os.path.basename(hostnic)}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--conflist":
        print_conflist(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3:
        main(sys.argv[1], sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
