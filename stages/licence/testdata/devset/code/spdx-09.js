// SPDX-License-Identifier: ISC
// Copyright (c) 2024 Example Authors

export function add(a, b) { return a + b; }
