"""Keycode sets of virDomainSendKey and their translation to QEMU's 'qnum'.

QEMU's ``send-key`` takes keys as *qnum* numbers: the PC XT (AT set 1)
scancode, with the ``0xe0`` prefix of extended keys folded into the high
bit (``e0 48``, cursor up, is ``0xc8``).  The other sets map to it through
one table keyed by the Linux input keycode, built from the published codes
of each set: Linux ``input-event-codes.h``, the IBM PC AT set 1 and set 2
scancodes, USB HID usage page 7, Windows virtual-key codes and the macOS
``kVK_`` codes.  ``rfb`` (QEMU's VNC extended key event) is libvirt's older name
of ``qnum``; ``xt`` and ``xt_kbd`` are set 1 without extended keys.

The table holds the keys of a 104-key PC keyboard; AT set 3 has no table
(every code of it fails to translate, as an unknown code of another set).
"""

from __future__ import annotations

from pyvirt import constants as C

# (Linux keycode, AT set 1 scancode (0xe0XX extended), AT set 2, USB HID usage,
#  Windows virtual key, macOS kVK code); None: the set has no such key.
_KEYS: tuple[tuple[int, int, int | None, int | None, int | None, int | None], ...] = (
    (1, 0x01, 0x76, 41, 0x1B, 0x35),      # Esc
    (2, 0x02, 0x16, 30, 0x31, 0x12),      # 1
    (3, 0x03, 0x1E, 31, 0x32, 0x13),      # 2
    (4, 0x04, 0x26, 32, 0x33, 0x14),      # 3
    (5, 0x05, 0x25, 33, 0x34, 0x15),      # 4
    (6, 0x06, 0x2E, 34, 0x35, 0x17),      # 5
    (7, 0x07, 0x36, 35, 0x36, 0x16),      # 6
    (8, 0x08, 0x3D, 36, 0x37, 0x1A),      # 7
    (9, 0x09, 0x3E, 37, 0x38, 0x1C),      # 8
    (10, 0x0A, 0x46, 38, 0x39, 0x19),     # 9
    (11, 0x0B, 0x45, 39, 0x30, 0x1D),     # 0
    (12, 0x0C, 0x4E, 45, 0xBD, 0x1B),     # minus
    (13, 0x0D, 0x55, 46, 0xBB, 0x18),     # equal
    (14, 0x0E, 0x66, 42, 0x08, 0x33),     # Backspace
    (15, 0x0F, 0x0D, 43, 0x09, 0x30),     # Tab
    (16, 0x10, 0x15, 20, 0x51, 0x0C),     # q
    (17, 0x11, 0x1D, 26, 0x57, 0x0D),     # w
    (18, 0x12, 0x24, 8, 0x45, 0x0E),      # e
    (19, 0x13, 0x2D, 21, 0x52, 0x0F),     # r
    (20, 0x14, 0x2C, 23, 0x54, 0x11),     # t
    (21, 0x15, 0x35, 28, 0x59, 0x10),     # y
    (22, 0x16, 0x3C, 24, 0x55, 0x20),     # u
    (23, 0x17, 0x43, 12, 0x49, 0x22),     # i
    (24, 0x18, 0x44, 18, 0x4F, 0x1F),     # o
    (25, 0x19, 0x4D, 19, 0x50, 0x23),     # p
    (26, 0x1A, 0x54, 47, 0xDB, 0x21),     # [
    (27, 0x1B, 0x5B, 48, 0xDD, 0x1E),     # ]
    (28, 0x1C, 0x5A, 40, 0x0D, 0x24),     # Enter
    (29, 0x1D, 0x14, 224, 0xA2, 0x3B),    # Left Ctrl
    (30, 0x1E, 0x1C, 4, 0x41, 0x00),      # a
    (31, 0x1F, 0x1B, 22, 0x53, 0x01),     # s
    (32, 0x20, 0x23, 7, 0x44, 0x02),      # d
    (33, 0x21, 0x2B, 9, 0x46, 0x03),      # f
    (34, 0x22, 0x34, 10, 0x47, 0x05),     # g
    (35, 0x23, 0x33, 11, 0x48, 0x04),     # h
    (36, 0x24, 0x3B, 13, 0x4A, 0x26),     # j
    (37, 0x25, 0x42, 14, 0x4B, 0x28),     # k
    (38, 0x26, 0x4B, 15, 0x4C, 0x25),     # l
    (39, 0x27, 0x4C, 51, 0xBA, 0x29),     # ;
    (40, 0x28, 0x52, 52, 0xDE, 0x27),     # '
    (41, 0x29, 0x0E, 53, 0xC0, 0x32),     # `
    (42, 0x2A, 0x12, 225, 0xA0, 0x38),    # Left Shift
    (43, 0x2B, 0x5D, 49, 0xDC, 0x2A),     # backslash
    (44, 0x2C, 0x1A, 29, 0x5A, 0x06),     # z
    (45, 0x2D, 0x22, 27, 0x58, 0x07),     # x
    (46, 0x2E, 0x21, 6, 0x43, 0x08),      # c
    (47, 0x2F, 0x2A, 25, 0x56, 0x09),     # v
    (48, 0x30, 0x32, 5, 0x42, 0x0B),      # b
    (49, 0x31, 0x31, 17, 0x4E, 0x2D),     # n
    (50, 0x32, 0x3A, 16, 0x4D, 0x2E),     # m
    (51, 0x33, 0x41, 54, 0xBC, 0x2B),     # ,
    (52, 0x34, 0x49, 55, 0xBE, 0x2F),     # .
    (53, 0x35, 0x4A, 56, 0xBF, 0x2C),     # /
    (54, 0x36, 0x59, 229, 0xA1, 0x3C),    # Right Shift
    (55, 0x37, 0x7C, 85, 0x6A, 0x43),     # keypad *
    (56, 0x38, 0x11, 226, 0xA4, 0x3A),    # Left Alt
    (57, 0x39, 0x29, 44, 0x20, 0x31),     # Space
    (58, 0x3A, 0x58, 57, 0x14, 0x39),     # Caps Lock
    (59, 0x3B, 0x05, 58, 0x70, 0x7A),     # F1
    (60, 0x3C, 0x06, 59, 0x71, 0x78),     # F2
    (61, 0x3D, 0x04, 60, 0x72, 0x63),     # F3
    (62, 0x3E, 0x0C, 61, 0x73, 0x76),     # F4
    (63, 0x3F, 0x03, 62, 0x74, 0x60),     # F5
    (64, 0x40, 0x0B, 63, 0x75, 0x61),     # F6
    (65, 0x41, 0x83, 64, 0x76, 0x62),     # F7
    (66, 0x42, 0x0A, 65, 0x77, 0x64),     # F8
    (67, 0x43, 0x01, 66, 0x78, 0x65),     # F9
    (68, 0x44, 0x09, 67, 0x79, 0x6D),     # F10
    (87, 0x57, 0x78, 68, 0x7A, 0x67),     # F11
    (88, 0x58, 0x07, 69, 0x7B, 0x6F),     # F12
    (96, 0xE01C, None, 88, None, 0x4C),   # keypad Enter
    (97, 0xE01D, None, 228, 0xA3, 0x3E),  # Right Ctrl
    (100, 0xE038, None, 230, 0xA5, 0x3D),  # Right Alt
    (102, 0xE047, None, 74, 0x24, 0x73),  # Home
    (103, 0xE048, None, 82, 0x26, 0x7E),  # Up
    (104, 0xE049, None, 75, 0x21, 0x74),  # Page Up
    (105, 0xE04B, None, 80, 0x25, 0x7B),  # Left
    (106, 0xE04D, None, 79, 0x27, 0x7C),  # Right
    (107, 0xE04F, None, 77, 0x23, 0x77),  # End
    (108, 0xE050, None, 81, 0x28, 0x7D),  # Down
    (109, 0xE051, None, 78, 0x22, 0x79),  # Page Down
    (110, 0xE052, None, 73, 0x2D, 0x72),  # Insert
    (111, 0xE053, None, 76, 0x2E, 0x75),  # Delete
    (125, 0xE05B, None, 227, 0x5B, 0x37),  # Left Meta
    (126, 0xE05C, None, 231, 0x5C, 0x36),  # Right Meta
)

#: libvirt's names of the keycode sets (virKeycodeSet), by number.
SET_NAMES = {C.VIR_KEYCODE_SET_LINUX: "linux", C.VIR_KEYCODE_SET_XT: "xt",
             C.VIR_KEYCODE_SET_ATSET1: "atset1", C.VIR_KEYCODE_SET_ATSET2: "atset2",
             C.VIR_KEYCODE_SET_ATSET3: "atset3", C.VIR_KEYCODE_SET_OSX: "os_x",
             C.VIR_KEYCODE_SET_XT_KBD: "xt_kbd", C.VIR_KEYCODE_SET_USB: "usb",
             C.VIR_KEYCODE_SET_WIN32: "win32", C.VIR_KEYCODE_SET_QNUM: "qnum"}
#: virsh's names for the sets: 'rfb' is libvirt's older name of qnum (VIR_KEYCODE_SET_RFB).
NAME_TO_SET = {name: n for n, name in SET_NAMES.items()} | {"rfb": C.VIR_KEYCODE_SET_QNUM}


def _qnum(set1: int) -> int:
    return 0x80 | (set1 & 0x7F) if set1 > 0xFF else set1


def _build() -> dict[int, dict[int, int]]:
    tables: dict[int, dict[int, int]] = {n: {} for n in SET_NAMES}
    for linux, set1, set2, usb, win32, osx in _KEYS:
        q = _qnum(set1)
        tables[C.VIR_KEYCODE_SET_LINUX][linux] = q
        tables[C.VIR_KEYCODE_SET_ATSET1][set1] = q
        tables[C.VIR_KEYCODE_SET_QNUM][q] = q
        if set1 <= 0xFF:
            tables[C.VIR_KEYCODE_SET_XT][set1] = q
            tables[C.VIR_KEYCODE_SET_XT_KBD][set1] = q
        for codeset, code in ((C.VIR_KEYCODE_SET_ATSET2, set2), (C.VIR_KEYCODE_SET_USB, usb),
                              (C.VIR_KEYCODE_SET_WIN32, win32), (C.VIR_KEYCODE_SET_OSX, osx)):
            if code is not None:
                tables[codeset].setdefault(code, q)
    return tables


_TABLES = _build()


def to_qnum(codeset: int, code: int) -> int | None:
    """The qnum of key ``code`` of ``codeset`` (None: no such key in the table)."""
    return _TABLES.get(codeset, {}).get(code)


def known_set(codeset: int) -> bool:
    """True when ``codeset`` is one of libvirt's keycode sets."""
    return codeset in SET_NAMES
