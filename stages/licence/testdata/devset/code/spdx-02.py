# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2024 Example Authors

def add(a, b):
    return a + b
