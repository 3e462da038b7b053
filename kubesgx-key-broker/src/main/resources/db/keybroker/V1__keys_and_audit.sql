-- Key versions: secret material sealed under a per-record data key, the data key sealed under the KEK.
CREATE TABLE kb_key_versions (
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
  PRIMARY KEY (name, version),
  UNIQUE (name, seq)
);

-- Append-only audit log; each entry carries the hash of the previous one.
CREATE TABLE kb_audit (
  seq BIGINT PRIMARY KEY,
  at_millis BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  key_name TEXT,
  key_version TEXT,
  jti TEXT,
  issuer TEXT,
  result TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash VARCHAR(64) NOT NULL,
  hash VARCHAR(64) NOT NULL
);
