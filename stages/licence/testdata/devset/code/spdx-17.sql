-- SPDX-License-Identifier: 0BSD
-- Copyright (c) 2024 Example Authors

SELECT 1;
