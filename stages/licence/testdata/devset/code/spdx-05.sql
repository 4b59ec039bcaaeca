-- SPDX-License-Identifier: LGPL-2.1-or-later
-- Copyright (c) 2024 Example Authors

SELECT 1;
