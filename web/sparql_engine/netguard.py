"""Keeping a query worker off the network, whatever the query asks the engine to do.

Installed by a worker on itself, once, before its first query; inherited by nothing (the
worker starts no processes) and never lifted. Both mechanisms work without privileges
(after ``PR_SET_NO_NEW_PRIVS``) and are applied by the kernel to Rust code (Oxigraph's HTTP
client for SERVICE) as to Python:

- ``seal()`` — for a worker on the embedded store, which needs no network at all: a
  seccomp filter makes ``socket()`` fail with EACCES for every address family (so no TCP,
  UDP, DNS, or local daemons over Unix sockets), and refuses io_uring, which can open
  sockets without that call. Linux ≥ 3.5 on x86-64 or arm64.
- ``ports_only(port)`` — for a worker that sends queries to the archive's SPARQL engine:
  a Landlock ruleset lets TCP connect to the engine's port only and bind nowhere
  (Linux ≥ 6.7, Landlock ABI 4); io_uring is refused as above.

Where the kernel lacks the mechanism the worker runs unguarded and says so (``"none"``);
the parsed-query refusal of SERVICE (:mod:`web.sparql_engine.parsed`) still applies.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EACCES = 13
X32_SYSCALL_BIT = 0x40000000

#: machine → (AUDIT_ARCH_*, socket(2) number); io_uring calls are 425–427 on both.
ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
IO_URING = (425, 426, 427)

LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_NET_PORT = 2
LANDLOCK_ACCESS_NET_BIND_TCP, LANDLOCK_ACCESS_NET_CONNECT_TCP = 1, 2

_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06


class GuardUnavailable(OSError):
    """The kernel (or the machine type) offers no way to guard this process."""


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _arch() -> tuple[int, int]:
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if machine not in ARCHES:
        raise GuardUnavailable(f"no seccomp filter is written for {machine}")
    return ARCHES[machine]


def _filter(deny_sockets: bool) -> list[tuple[int, int, int, int]]:
    """A classic-BPF seccomp program: (code, jt, jf, k) instructions, jumps relative."""
    arch, socket_nr = _arch()
    denied = [*([socket_nr] if deny_sockets else []), *IO_URING]
    deny = 5 + len(denied)  # the index of the final "refuse" instruction

    def to_deny(index: int) -> int:
        return deny - index - 1

    program = [(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
               (_JEQ_K, 0, to_deny(1), arch),  # another arch (i386 calls): refused whole
               (_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
               (_JGE_K, to_deny(3), 0, X32_SYSCALL_BIT)]  # x32 calls: refused whole
    program += [(_JEQ_K, to_deny(4 + i), 0, nr) for i, nr in enumerate(denied)]
    program += [(_RET_K, 0, 0, SECCOMP_RET_ALLOW), (_RET_K, 0, 0, SECCOMP_RET_ERRNO | EACCES)]
    return program


def _install_seccomp(deny_sockets: bool) -> None:
    libc = _libc()
    program = _filter(deny_sockets)
    raw = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(raw, len(raw))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Program(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise GuardUnavailable(os.strerror(ctypes.get_errno()))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise GuardUnavailable(f"seccomp: {os.strerror(ctypes.get_errno())}")


def seal() -> str:
    """No sockets at all for this process (see the module); the mechanism's name."""
    _install_seccomp(deny_sockets=True)
    return "seccomp"


def ports_only(port: int) -> str:
    """TCP connections to ``port`` only, no io_uring (see the module); the mechanism."""
    libc = _libc()
    abi = libc.syscall(LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 4:
        raise GuardUnavailable("this kernel's Landlock cannot restrict TCP (ABI 4, Linux 6.7)")
    handled = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP
    ruleset = struct.pack("QQ", 0, handled)  # handled_access_fs, handled_access_net
    fd = libc.syscall(LANDLOCK_CREATE_RULESET, ruleset, len(ruleset), 0)
    if fd < 0:
        raise GuardUnavailable(f"landlock: {os.strerror(ctypes.get_errno())}")
    try:
        rule = struct.pack("QQ", LANDLOCK_ACCESS_NET_CONNECT_TCP, port)
        if libc.syscall(LANDLOCK_ADD_RULE, fd, LANDLOCK_RULE_NET_PORT, rule, 0) != 0:
            raise GuardUnavailable(f"landlock: {os.strerror(ctypes.get_errno())}")
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise GuardUnavailable(os.strerror(ctypes.get_errno()))
        if libc.syscall(LANDLOCK_RESTRICT_SELF, fd, 0) != 0:
            raise GuardUnavailable(f"landlock: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)
    _install_seccomp(deny_sockets=False)
    return f"landlock (TCP port {port} only)"


def guard(port: int | None) -> str:
    """Guard this process: no network (``port`` None) or the engine's port only; the
    mechanism's name, or ``"none"`` where the kernel offers none."""
    try:
        return seal() if port is None else ports_only(port)
    except (GuardUnavailable, OSError, AttributeError):
        return "none"
