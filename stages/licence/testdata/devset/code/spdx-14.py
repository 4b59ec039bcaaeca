# SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note
# Copyright (c) 2024 Example Authors

def add(a, b):
    return a + b
