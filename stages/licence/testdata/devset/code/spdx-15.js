// SPDX-License-Identifier: CC-BY-SA-4.0
// Copyright (c) 2024 Example Authors

export function add(a, b) { return a + b; }
