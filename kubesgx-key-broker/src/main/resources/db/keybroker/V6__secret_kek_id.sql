-- Secret versions carry the id of the KEK wrapping their data key, as key versions do since V4
-- (NULL: written before; opened with any KEK of the ring, given an id at the next rotation).
ALTER TABLE kb_secret_versions ADD COLUMN kek_id VARCHAR(64);
CREATE INDEX kb_secret_versions_kek_id ON kb_secret_versions (kek_id);
