#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
print("你好, world")
