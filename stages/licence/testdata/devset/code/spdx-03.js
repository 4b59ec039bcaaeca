// SPDX-License-Identifier: GPL-3.0-only
// Copyright (c) 2024 Example Authors

export function add(a, b) { return a + b; }
