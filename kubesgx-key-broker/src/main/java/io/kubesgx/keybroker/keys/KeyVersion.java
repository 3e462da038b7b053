package io.kubesgx.keybroker.keys;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of a named key.
 *
 * @param name the key name ({@code [0-9a-zA-Z-]{1,127}})
 * @param version the version id (32 lowercase hex)
 * @param type the key type as the client named it
 * @param keyOps permitted operations
 * @param attributes attributes
 * @param tags tags
 * @param releasePolicy release policy (required when exportable)
 * @param material the key material
 */
public record KeyVersion(
    String name, String version, KeyType type, List<String> keyOps, KeyAttributes attributes, Map<String, String> tags,
    Optional<KeyReleasePolicy> releasePolicy, KeyMaterial material) {
  /** Copies collections and checks for nulls. */
  public KeyVersion {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(type, "type");
    keyOps = List.copyOf(keyOps);
    Objects.requireNonNull(attributes, "attributes");
    tags = Map.copyOf(tags);
    Objects.requireNonNull(releasePolicy, "releasePolicy");
    Objects.requireNonNull(material, "material");
  }

  /** Returns a copy with other attributes, operations, tags and policy (an update). */
  public KeyVersion withChanges(List<String> ops, KeyAttributes attrs, Map<String, String> newTags,
      Optional<KeyReleasePolicy> policy) {
    return new KeyVersion(name, version, type, ops, attrs, newTags, policy, material);
  }
}
