-- A display name beside the ASCII username: what people call the person,
-- in Thai or English. Empty means none (the username is shown). The length
-- is checked in characters by the application; the schema only bounds it
-- (SQLite's length() counts characters of TEXT).
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '' CHECK (length(display_name) <= 60);
