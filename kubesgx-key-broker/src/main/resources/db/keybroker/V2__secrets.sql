-- Secrets (Key Vault secrets API, also served as Trustee KBS resources). One row per secret name
-- holds what belongs to the name (its KBS resource path); one row per version holds the value,
-- sealed like key material: a per-record data key under the KEK, both AES-256-GCM.
CREATE TABLE kb_secrets (
  tenant VARCHAR(63) NOT NULL DEFAULT 'default',
  name VARCHAR(127) NOT NULL,
  kbs_path VARCHAR(400),
  PRIMARY KEY (tenant, name),
  UNIQUE (tenant, kbs_path)
);

CREATE TABLE kb_secret_versions (
  tenant VARCHAR(63) NOT NULL DEFAULT 'default',
  name VARCHAR(127) NOT NULL,
  version VARCHAR(32) NOT NULL,
  seq BIGINT NOT NULL,
  content_type TEXT,
  enabled BOOLEAN NOT NULL,
  nbf BIGINT,
  exp BIGINT,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  tags TEXT NOT NULL,
  policy_content_type TEXT,
  policy_immutable BOOLEAN,
  policy_data TEXT,
  value_size INTEGER NOT NULL,
  sealed_dek TEXT NOT NULL,
  sealed_value TEXT NOT NULL,
  PRIMARY KEY (tenant, name, version),
  UNIQUE (tenant, name, seq)
);
