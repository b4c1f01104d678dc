#!/usr/bin/env python3
"""Writes the hand-made inputs of fuzz/regress/forward/ (see fuzz/README.md):
the epoll-* smoke sequences and the *-offset-overflow regressions.

Each is a sequence of calls for fuzz_forward, encoded byte by byte as
the harness reads its input (the call and its arguments: fuzz_forward_gen.c;
the host's answers: fuzz_forward_host.c); if that encoding changes, change
this and run it again:

    python3 fuzz/handmade_inputs.py fuzz/regress/forward
"""
import os
import struct
import sys


def u16(v):
    return struct.pack('<H', v)


def u32(v):
    return struct.pack('<I', v)


def u64(v):
    return struct.pack('<Q', v)


# one_call(): bounce size u16 (n: 16 * (1 + n) bytes), stale byte, then for
# calls after the first a pick byte (odd: ep_nrs[pick >> 1]).
EP_NRS = {'epoll_ctl': 0, 'epoll_wait': 2, 'close': 4, 'dup2': 5}


def head(k, name=None, stale=0, bounce=255):
    b = u16(bounce) + bytes([stale])
    if k:
        b += bytes([(EP_NRS[name] << 1) | 1])
    return b


def first_call(nr, bounce=255):
    """The first call is chosen as in one-call inputs; sel & 63 == 63: by
    its number (u16 % 600)."""
    return head(0, bounce=bounce) + u16(63) + u16(nr)


def enosys():
    """599, outside the table: six val_val(), ENOSYS without a host call."""
    return first_call(599) + bytes([0x02, 0x00]) * 6


def fd(v):
    """fd_val(): case 2, u8() & 15."""
    return bytes([0x02, v])


def val_u64(v):
    """val_val(): case 0, a u64."""
    return bytes([0x00]) + u64(v)


def arena(off):
    """place(): in the arena at off."""
    return bytes([0x09]) + u32(off)


# host(): mode byte (bit 0 helpful, bits 1-3 the result), patch count.
HOST_ZERO = bytes([4 << 1, 0])          # r = 0, no patches
HOST_HELPFUL_ZERO = bytes([(4 << 1) | 1, 0])
HOST_ASKED = bytes([7 << 1, 0])         # r = the count the host was told


def host_error(errno):
    return bytes([1 << 1]) + u16(errno) + bytes([0])   # r = -errno


# ---- epoll sequences

ADD, DEL, MOD = 0x04, 0x01, 0x03       # build_epoll_ctl's op byte


def ctl(k, epfd, op, f, events=0, data=0, err=0, off=0x1000):
    b = head(k, 'epoll_ctl') + fd(epfd) + bytes([op]) + fd(f)
    if op == DEL:
        b += bytes([0x00])              # place(): NULL event
    else:                               # fill(): the 12 bytes given
        b += arena(off) + bytes([0x02]) + u32(events) + u64(data)
    return b + (host_error(err) if err else HOST_ZERO)


def close(k, f):
    return head(k, 'close') + fd(f) + HOST_ZERO


def dup2(k, old, new):
    return head(k, 'dup2') + fd(old) + fd(new) + HOST_HELPFUL_ZERO  # helpful: r = new


def wait(k, epfd, choices):
    """epoll_wait(epfd, events, len(choices), 0); the helpful host returns
    that many events, event i naming the registration choices[i] picks
    (candidates in the model's order; bit 7: the descriptor c & 15)."""
    b = head(k, 'epoll_wait', stale=0x41) + fd(epfd) + bytes([0x00, len(choices)]) + bytes([0x02, 0x00])
    b += arena(0x2000) + bytes([0x00])  # the events buffer, zeroed
    return b + bytes([(7 << 1) | 1, 0]) + bytes(choices)


D = [0x1111111111111111 * i for i in range(1, 5)]

# ---- positioned transfers in parts

SYS_PREAD64, SYS_PREADV = 17, 295
NEAR_MAX = 0x7ffffffffffffff7           # an offset 8 below LONG_MAX


def pread_offset_overflow():
    """pread64(3, buf, 64, LONG_MAX - 8) with a 16-byte bounce buffer: the
    host says the first part moved all 16 bytes; the next part's offset
    must not overflow."""
    b = first_call(SYS_PREAD64, bounce=0)
    b += fd(3) + bytes([0x00, 64]) + val_u64(NEAR_MAX)       # fd, count, offset
    b += arena(0) + bytes([0x00])                            # the buffer, zeroed
    return b + HOST_ASKED * 8


def preadv_offset_overflow():
    """preadv(3, [64 bytes], 1, LONG_MAX - 8): the same through readv's
    marshaller."""
    b = first_call(SYS_PREADV, bounce=0)
    b += fd(3)
    b += bytes([0x03]) + arena(0)                            # one iovec
    b += bytes([0x00, 64]) + arena(0x1000) + bytes([0x00])   # of 64 bytes, zeroed
    b += val_u64(NEAR_MAX)                                   # offset
    return b + HOST_ASKED * 8


INPUTS = {
    'epoll-ctl-then-wait-translates':
        enosys() + ctl(1, 5, ADD, 3, 1, D[0]) + ctl(2, 5, ADD, 4, 4, D[1], off=0x1100) +
        ctl(3, 5, DEL, 4) + ctl(4, 5, ADD, 6, 1, D[2], off=0x1200) +
        ctl(5, 5, MOD, 3, 5, D[3], off=0x1300) + dup2(6, 7, 6) + wait(7, 5, [0, 1, 2, 0]),
    'epoll-close-drops-events':
        enosys() + ctl(1, 5, ADD, 3, 1, D[0]) + ctl(2, 5, ADD, 4, 1, D[1], off=0x1100) +
        close(3, 4) + wait(4, 5, [1, 0]),
    'epoll-failed-add-not-registered':
        enosys() + ctl(1, 5, ADD, 3, 1, D[0], err=17) + wait(2, 5, [0x83]),
    'epoll-closed-epfd-forgotten':
        enosys() + ctl(1, 5, ADD, 3, 1, D[0]) + close(2, 5) + wait(3, 5, [0x83]),
    'pread64-offset-overflow': pread_offset_overflow(),
    'preadv-offset-overflow': preadv_offset_overflow(),
}


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: handmade_inputs.py DIR')
    for name, data in INPUTS.items():
        with open(os.path.join(sys.argv[1], name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
