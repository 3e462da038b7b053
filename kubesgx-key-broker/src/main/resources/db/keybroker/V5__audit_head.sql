-- The audit log's head checkpoint (seq and hash of the newest entry), MACed with a key derived from
-- the KEK and updated in the same transaction as every append, so deleting the newest entries shows.
CREATE TABLE kb_audit_head (
  id INTEGER PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash VARCHAR(64) NOT NULL,
  kek_id VARCHAR(64) NOT NULL,
  mac VARCHAR(64) NOT NULL
);
