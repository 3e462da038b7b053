-- The id of the key-encryption key that wraps each record's data key (NULL: written before KEK ids;
-- such records open with any KEK of the ring and get their id at the next rotation).
ALTER TABLE kb_key_versions ADD COLUMN kek_id VARCHAR(64);
CREATE INDEX kb_key_versions_kek_id ON kb_key_versions (kek_id);
