// SPDX-License-Identifier: Unlicense
// Copyright (c) 2024 Example Authors

package demo

func Add(a, b int) int { return a + b }
