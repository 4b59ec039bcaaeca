-- SPDX-License-Identifier: CC0-1.0
-- Copyright (c) 2024 Example Authors

SELECT 1;
