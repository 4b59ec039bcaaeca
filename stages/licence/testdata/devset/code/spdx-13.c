/* SPDX-License-Identifier: EPL-2.0 */
/* Copyright (c) 2024 Example Authors */

#include <stdio.h>

int main(void) { puts("hi"); return 0; }
