"""Run a command confined by a seccomp profile in the container runtime's JSON format, as a pod would be.

Run with Debian's python (``/usr/bin/python3``, package python3-seccomp, libseccomp's own bindings):
    python3 seccomp_confine.py PROFILE.json [--deny-namespaces] -- COMMAND ...
``--deny-namespaces`` adds what the runtime's default profile does: clone/unshare only without namespace flags
(clone3 answers ENOSYS, so the C library falls back to clone)."""
import errno
import json
import os
import sys

import seccomp

# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (the mask the runtimes' default uses)
NAMESPACE_FLAGS = 0x7E020000


def main() -> None:
    args = sys.argv[1:]
    split = args.index("--")
    options, command = args[:split], args[split + 1:]
    profile = json.load(open(options[0]))
    deny_namespaces = "--deny-namespaces" in options
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    confined = seccomp.SyscallFilter(defaction=seccomp.ERRNO(profile.get("defaultErrnoRet", errno.EPERM)))
    for rule in profile["syscalls"]:
        assert rule["action"] == "SCMP_ACT_ALLOW" and not rule.get("args")
        for name in rule["names"]:
            try:
                if deny_namespaces and name in ("clone", "unshare"):
                    confined.add_rule(seccomp.ALLOW, name, seccomp.Arg(0, seccomp.MASKED_EQ, NAMESPACE_FLAGS, 0))
                elif deny_namespaces and name == "clone3":
                    confined.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
                else:
                    confined.add_rule(seccomp.ALLOW, name)
            except (RuntimeError, ValueError, OSError):
                pass  # not a system call of this architecture (e.g. the 32-bit names on x86_64)
    confined.load()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
