-- Tenants: every key version and audit entry belongs to one; rows written before are the default tenant's.
-- SQLite cannot change a primary key, so kb_key_versions is rebuilt with (tenant, name, version) as its key;
-- the same statements work on PostgreSQL.
CREATE TABLE kb_key_versions_v3 (
  tenant VARCHAR(63) NOT NULL,
  name VARCHAR(127) NOT NULL,
  version VARCHAR(32) NOT NULL,
  seq BIGINT NOT NULL,
  kty VARCHAR(16) NOT NULL,
  key_size INTEGER NOT NULL,
  key_ops TEXT NOT NULL,
  enabled BOOLEAN NOT NULL,
  nbf BIGINT,
  exp BIGINT,
  exportable BOOLEAN NOT NULL,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  tags TEXT NOT NULL,
  policy_content_type TEXT,
  policy_immutable BOOLEAN,
  policy_data TEXT,
  public_jwk TEXT NOT NULL,
  sealed_dek TEXT NOT NULL,
  sealed_material TEXT NOT NULL,
  PRIMARY KEY (tenant, name, version),
  UNIQUE (tenant, name, seq)
);

INSERT INTO kb_key_versions_v3 (tenant, name, version, seq, kty, key_size, key_ops, enabled, nbf, exp, exportable,
    created, updated, tags, policy_content_type, policy_immutable, policy_data, public_jwk, sealed_dek, sealed_material)
  SELECT 'default', name, version, seq, kty, key_size, key_ops, enabled, nbf, exp, exportable,
    created, updated, tags, policy_content_type, policy_immutable, policy_data, public_jwk, sealed_dek, sealed_material
  FROM kb_key_versions;

DROP TABLE kb_key_versions;

ALTER TABLE kb_key_versions_v3 RENAME TO kb_key_versions;

-- The audit chain stays one chain across tenants; each entry names its tenant (and hashes it, see AuditEntry).
ALTER TABLE kb_audit ADD COLUMN tenant VARCHAR(63) NOT NULL DEFAULT 'default';
