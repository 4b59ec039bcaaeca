# SPDX-License-Identifier: AGPL-3.0-or-later
# Copyright (c) 2024 Example Authors

def add(a, b):
    return a + b
